/**
 * The request as rules, the comparison and the store see it: method, target
 * split into path and query once, and the client's headers.
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { RequestInfo } from '../types.js'

export function requestInfo(method: string, url: string, headers: IncomingHttpHeaders): RequestInfo {
  const q = url.indexOf('?')
  return {
    method,
    url,
    path: q === -1 ? url : url.slice(0, q),
    query: q === -1 ? '' : url.slice(q + 1),
    headers,
  }
}

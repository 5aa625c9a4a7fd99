/**
 * The request as rules, the comparison and the store see it: method, target
 * split into path and query once, and the client's headers. `foldPath` hides
 * secret path segments from rules and routes (store.redactPath: a token in
 * `/password-reset/<token>` must not become a report route or a metric
 * label); `url` stays as sent, for the mirrored sides (the store redacts it).
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { RequestInfo } from '../types.js'

export function requestInfo(method: string, url: string, headers: IncomingHttpHeaders, foldPath?: (path: string) => string): RequestInfo {
  const q = url.indexOf('?')
  const path = q === -1 ? url : url.slice(0, q)
  return {
    method,
    url,
    path: foldPath === undefined ? path : foldPath(path),
    query: q === -1 ? '' : url.slice(q + 1),
    headers,
  }
}

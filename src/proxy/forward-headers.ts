/**
 * The headers sent upstream for a client request: the client's own minus
 * hop-by-hop ones, plus X-Forwarded-* and the shared request id. Host is
 * passed through unchanged so virtual hosts on the primary keep working.
 *
 * They are built once per request as a flat [name, value, name, value …]
 * list, the shape undici takes as is: the served side and every mirrored
 * side share it (a mirror only appends its marker), where a header object
 * per side would be copied key by key on every request.
 */
import type { IncomingMessage } from 'node:http'
import { HOP_BY_HOP, connectionTokens } from './hop-by-hop.js'

/** Marks requests that shadowdiff sent to a candidate or secondary. */
export const MIRROR_MARKER = 'x-shadowdiff-mirror'
export const REQUEST_ID = 'x-request-id'

/** Header names and values, alternating; a repeated header appears once per value. */
export type HeaderList = string[]

export function forwardHeaders(req: IncomingMessage, requestId: string): HeaderList {
  const headers = req.headers
  const named = headers.connection ? connectionTokens(headers.connection) : null
  const out: HeaderList = []
  let hasProto = false
  let hasHost = false
  for (const name in headers) {
    const value = headers[name]
    // undici refuses `expect` (node already answered 100-continue to the client);
    // x-forwarded-for and the request id are written below.
    if (value === undefined || HOP_BY_HOP.has(name) || name === 'expect' || name === 'x-forwarded-for' || name === REQUEST_ID) continue
    if (named !== null && named.has(name)) continue
    if (name === 'x-forwarded-proto') hasProto = true
    else if (name === 'x-forwarded-host') hasHost = true
    if (typeof value === 'string') out.push(name, value)
    else for (const v of value) out.push(name, v)
  }
  const remote = req.socket.remoteAddress ?? ''
  const prior = headers['x-forwarded-for']
  out.push('x-forwarded-for', prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${remote}` : remote)
  if (!hasProto) out.push('x-forwarded-proto', (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http')
  if (!hasHost && headers.host !== undefined) out.push('x-forwarded-host', headers.host)
  out.push(REQUEST_ID, requestId)
  return out
}

/** The same headers, marked as a mirror copy (a new list; the served side's is unchanged). */
export function mirrorHeaders(headers: HeaderList, side: string): HeaderList {
  const out = headers.slice()
  out.push(MIRROR_MARKER, side)
  return out
}

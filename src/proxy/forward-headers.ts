/**
 * The headers sent upstream for a client request: the client's own minus
 * hop-by-hop ones, plus X-Forwarded-* and the shared request id. Host is
 * passed through unchanged so virtual hosts on the primary keep working.
 */
import type { IncomingMessage } from 'node:http'
import { withoutHopByHop } from './hop-by-hop.js'

/** Marks requests that shadowdiff sent to a candidate or secondary. */
export const MIRROR_MARKER = 'x-shadowdiff-mirror'
export const REQUEST_ID = 'x-request-id'

export function forwardHeaders(req: IncomingMessage, requestId: string): Record<string, string | string[]> {
  const headers = withoutHopByHop(req.headers)
  // undici refuses `expect` (node already answered 100-continue to the client).
  delete headers.expect
  const remote = req.socket.remoteAddress ?? ''
  const prior = headers['x-forwarded-for']
  headers['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${remote}` : remote
  headers['x-forwarded-proto'] ??= (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http'
  if (req.headers.host !== undefined) headers['x-forwarded-host'] ??= req.headers.host
  headers[REQUEST_ID] = requestId
  return headers
}

/** The same headers, marked as a mirror copy (a new object). */
export function mirrorHeaders(headers: Record<string, string | string[]>, side: string): Record<string, string | string[]> {
  return { ...headers, [MIRROR_MARKER]: side }
}

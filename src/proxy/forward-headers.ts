/**
 * The headers sent upstream for a client request: the client's own minus
 * hop-by-hop ones, plus X-Forwarded-* and the shared request id. Host is
 * passed through unchanged so virtual hosts on the primary keep working.
 *
 * Forwarding headers follow Express's `trust proxy`: from a peer that is not
 * in proxy.trustedProxies (the default: nobody), the client's
 * `X-Forwarded-*`, `Forwarded` and `X-Real-IP` are dropped and the proxy
 * writes what it saw itself: `X-Forwarded-For: <peer address>`,
 * `X-Forwarded-Proto: http`, `X-Forwarded-Host: <Host>`. From a trusted peer
 * they are kept, the peer is appended to its X-Forwarded-For, and Proto and
 * Host are added only when it sent none. The mirror marker is never taken
 * from a client: only the mirror sets it (`mirrorHeaders`).
 *
 * They are built once per request as a flat [name, value, name, value …]
 * list, the shape undici takes as is: the served side and every mirrored
 * side share it (a mirror only appends its marker), where a header object
 * per side would be copied key by key on every request.
 */
import type { IncomingMessage } from 'node:http'
import { HOP_BY_HOP, connectionTokens } from './hop-by-hop.js'
import type { TrustPeer } from './trusted-proxies.js'

/** Marks requests that shadowdiff sent to a candidate or secondary. */
export const MIRROR_MARKER = 'x-shadowdiff-mirror'
export const REQUEST_ID = 'x-request-id'

/** Header names and values, alternating; a repeated header appears once per value. */
export type HeaderList = string[]

/** Headers in which a client speaks for the hops before it: kept only from trusted peers. */
function isForwarding(name: string): boolean {
  return name.startsWith('x-forwarded-') || name === 'forwarded' || name === 'x-real-ip'
}

export function forwardHeaders(req: IncomingMessage, requestId: string, trust: TrustPeer): HeaderList {
  const headers = req.headers
  const named = headers.connection ? connectionTokens(headers.connection) : null
  const peer = req.socket.remoteAddress ?? ''
  const trusted = trust(peer)
  const out: HeaderList = []
  let hasProto = false
  let hasHost = false
  for (const name in headers) {
    const value = headers[name]
    // undici refuses `expect` (node already answered 100-continue to the client);
    // x-forwarded-for and the request id are written below.
    if (value === undefined || HOP_BY_HOP.has(name) || name === 'expect' || name === 'x-forwarded-for' || name === REQUEST_ID || name === MIRROR_MARKER) continue
    if (named !== null && named.has(name)) continue
    if (isForwarding(name)) {
      if (!trusted) continue
      if (name === 'x-forwarded-proto') hasProto = true
      else if (name === 'x-forwarded-host') hasHost = true
    }
    if (typeof value === 'string') out.push(name, value)
    else for (const v of value) out.push(name, v)
  }
  const prior = trusted ? headers['x-forwarded-for'] : undefined
  out.push('x-forwarded-for', prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${peer}` : peer)
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

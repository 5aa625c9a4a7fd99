/**
 * Turns a gateway's mirrored copy back into the request the client made.
 * Gateways alter the copies they mirror, each in its own way:
 *
 * - Envoy and Istio append `-shadow` to the Host/:authority (`api.example.com`
 *   becomes `api.example.com-shadow`; since Envoy 1.2x before the port:
 *   `api.example.com-shadow:8080`, older releases after it). It is removed.
 * - nginx's `mirror` sends a subrequest to an internal location, so the URI
 *   the receiver sees is that location's (`/_shadowdiff`). The mirror
 *   location passes the original in `X-Original-URI: $request_uri`.
 * - The gateway's request id (`X-Request-Id`: Envoy/Istio generate one,
 *   nginx has `$request_id`) is kept as the exchange id, so a divergence can
 *   be found in the gateway's and the services' logs.
 *
 * Headers read: Host, X-Original-URI, X-Request-Id. See docs/gateways.md.
 */
import type { IncomingMessage } from 'node:http'
import { randomUUID } from 'node:crypto'
import { REQUEST_ID } from './forward-headers.js'

/** Header that carries the client's request target (path and query). */
export const ORIGINAL_URI = 'x-original-uri'

/** What Envoy appends to the host of a shadowed request. */
export const SHADOW_SUFFIX = '-shadow'

/** A request target in origin-form (RFC 9112 §3.2.1): `/path?query`, visible ASCII only. */
const ORIGIN_FORM = /^\/[\x21-\x7e]*$/
const MAX_URI = 8 * 1024
const MAX_ID = 200

/** The restored request, or why the copy cannot be used. */
export type GatewayCopy = { ok: true; url: string; id: string } | { ok: false; problem: string }

/**
 * Removes the `-shadow` suffix Envoy/Istio put on mirrored hosts, before or
 * after the port.
 *
 * @example
 *   originalHost('api.example.com-shadow')      // 'api.example.com'
 *   originalHost('api.example.com-shadow:8080') // 'api.example.com:8080'
 *   originalHost('api.example.com:8080-shadow') // 'api.example.com:8080'
 *   originalHost('[::1]-shadow:8080')           // '[::1]:8080'
 */
export function originalHost(host: string): string {
  if (host.endsWith(SHADOW_SUFFIX)) return host.slice(0, -SHADOW_SUFFIX.length)
  const port = /^(.*)-shadow(:\d+)$/.exec(host)
  return port === null ? host : port[1] + port[2]
}

/**
 * Restores the client's request from a gateway copy IN PLACE: the Host loses
 * its `-shadow` suffix, `req.url` becomes X-Original-URI when given, and
 * X-Original-URI is removed so the upstreams see what the client sent.
 * Returns the exchange id (the gateway's X-Request-Id, else a new UUID).
 */
export function restoreGatewayCopy(req: IncomingMessage): GatewayCopy {
  const headers = req.headers
  const given = headers[ORIGINAL_URI]
  if (given !== undefined) {
    // node joins a repeated header with ', ', which the origin-form check refuses.
    const uri = Array.isArray(given) ? given.join(', ') : given
    if (uri.length > MAX_URI) return { ok: false, problem: `${ORIGINAL_URI} must be at most ${MAX_URI} bytes, got ${uri.length}` }
    if (!ORIGIN_FORM.test(uri)) {
      return { ok: false, problem: `${ORIGINAL_URI} must be a path and query starting with '/' (nginx: $request_uri), got '${uri.slice(0, 100)}'` }
    }
    req.url = uri
    delete headers[ORIGINAL_URI]
  }
  if (headers.host !== undefined) headers.host = originalHost(headers.host)
  const id = headers[REQUEST_ID]
  return {
    ok: true,
    url: req.url ?? '/',
    id: typeof id === 'string' && id.length > 0 && id.length <= MAX_ID ? id : randomUUID(),
  }
}

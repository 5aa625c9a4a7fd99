/**
 * Header names that `compare.headers: all` never compares.
 */

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection, not
 * the response, so two upstreams legitimately differ. Names listed in a
 * response's own `Connection` header are hop-by-hop too and are skipped as well.
 * `proxy-connection` and `keep-alive` are obsolete but still sent.
 */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
])

/**
 * Headers that differ between two correct responses to the same request, so
 * comparing them only produces false alarms. Listing one in `compare.headers`
 * (a list) compares it anyway; `ignore.headers` still wins over that.
 *
 * - date, age, expires: clock and cache time;
 * - last-modified, etag: derived from file times, inodes or build ids per instance;
 * - content-length: differs whenever the body differs (already reported as a
 *   body divergence) and is absent when one side uses chunked encoding;
 * - set-cookie: session ids and CSRF tokens are random per response;
 * - server, via, x-powered-by: name the software and host, which a refactor changes on purpose;
 * - x-request-id, x-correlation-id, traceparent, tracestate: per-request ids;
 * - server-timing, x-response-time, x-runtime: measured durations.
 */
export const VOLATILE_HEADERS: ReadonlySet<string> = new Set([
  'date',
  'age',
  'expires',
  'last-modified',
  'etag',
  'content-length',
  'set-cookie',
  'server',
  'via',
  'x-powered-by',
  'x-request-id',
  'x-correlation-id',
  'traceparent',
  'tracestate',
  'server-timing',
  'x-response-time',
  'x-runtime',
])

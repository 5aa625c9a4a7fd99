/**
 * Builders for captured responses in diff tests.
 */
import type { CapturedResponse, FailedResponse, HeaderMap, RequestInfo } from '../../src/types.js'

/** A complete captured response. */
export function captured(body: string | Buffer, headers: HeaderMap = {}, status = 200): CapturedResponse {
  const buf = typeof body === 'string' ? Buffer.from(body) : body
  return { ok: true, status, headers, body: buf, size: buf.length, complete: true, latencyMs: 1 }
}

/** A JSON response (content-type application/json). */
export function json(value: unknown, headers: HeaderMap = {}, status = 200): CapturedResponse {
  return captured(JSON.stringify(value), { 'content-type': 'application/json', ...headers }, status)
}

/** A text response of the given media type. */
export function text(body: string, type = 'text/plain; charset=utf-8'): CapturedResponse {
  return captured(body, { 'content-type': type })
}

export function failed(code: string, message = code): FailedResponse {
  return { ok: false, code, message, latencyMs: 1 }
}

/** A request as the proxy would pass it to RuleSet.match. */
export function request(method: string, url: string, headers: RequestInfo['headers'] = {}): RequestInfo {
  const q = url.indexOf('?')
  return { method, url, path: q === -1 ? url : url.slice(0, q), query: q === -1 ? '' : url.slice(q + 1), headers }
}

/**
 * The proxy's own answers (502, 504, 413, 400): JSON with a stable code, so a
 * client or a dashboard can tell the proxy's errors from the upstream's.
 */
import { STATUS_CODES, type ServerResponse } from 'node:http'
import type { ShadowdiffError } from '../errors.js'

export function sendError(res: ServerResponse, err: ShadowdiffError, extraHeaders?: Record<string, string>): void {
  if (res.headersSent) {
    res.destroy(err)
    return
  }
  const body = JSON.stringify({ error: { code: err.code, message: err.message } })
  res.writeHead(err.statusCode, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...extraHeaders,
  })
  res.end(body)
}

/**
 * The same JSON answer as raw bytes, for a socket Node's HTTP server no
 * longer manages (a parse error, an upgrade request), always closing.
 */
export function rawErrorResponse(err: ShadowdiffError): string {
  const body = JSON.stringify({ error: { code: err.code, message: err.message } })
  return (
    `HTTP/1.1 ${err.statusCode} ${STATUS_CODES[err.statusCode] ?? 'Error'}\r\nContent-Type: application/json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  )
}

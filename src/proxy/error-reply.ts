/**
 * The proxy's own answers (502, 504, 413, 400): JSON with a stable code, so a
 * client or a dashboard can tell the proxy's errors from the upstream's.
 */
import type { ServerResponse } from 'node:http'
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

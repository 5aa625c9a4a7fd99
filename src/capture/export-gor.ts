/**
 * Writes records in GoReplay's file format (`gor --input-file`): for each
 * request a meta line `1 <id> <timestamp-ns> 0` (payload type 1 = request,
 * a 24-hex-digit id like GoReplay's uuid(), the start time in nanoseconds,
 * latency 0 for a request), the raw HTTP/1.1 request, and the separator
 * "\n🐵🙈🙉\n" (protocol.go, docs/Saving-and-Replaying-from-file.md).
 *
 * The request is framed anew: Content-Length is the body's length as
 * captured (redaction may have changed it), chunked framing is dropped, and
 * a Host header is written from the URL when the capture has none.
 */
import { randomBytes } from 'node:crypto'
import type { ParsedRecord } from '../replay/parse-record.js'
import { targetOf } from '../replay/replay-request.js'

export const GOR_RECORD_SEPARATOR = '\n🐵🙈🙉\n'

export function gorRecord(parsed: ParsedRecord): Buffer {
  const { record, body } = parsed
  const at = parsed.at ?? Date.parse(record.startedDateTime)
  const ns = BigInt(Math.round(at * 1000)) * 1000n
  const meta = `1 ${randomBytes(12).toString('hex')} ${ns} 0\n`
  const version = /^HTTP\/1\.[01]$/.test(record.httpVersion) ? record.httpVersion : 'HTTP/1.1'
  const lines = [`${record.method} ${targetOf(record.url)} ${version}`]
  let host = false
  for (const { name, value } of record.headers) {
    const key = name.toLowerCase()
    // HTTP/2 pseudo-headers (browser HARs) and the old framing have no place in an HTTP/1.1 message.
    if (key.startsWith(':') || key === 'content-length' || key === 'transfer-encoding') continue
    if (key === 'host') host = true
    lines.push(`${name}: ${value}`)
  }
  if (!host) lines.unshift(lines.shift()!, `Host: ${/^[a-z]+:\/\/([^/?#]*)/i.exec(record.url)?.[1] ?? 'localhost'}`)
  if (body !== null && body.length > 0) lines.push(`Content-Length: ${body.length}`)
  const head = Buffer.from(`${meta}${lines.join('\r\n')}\r\n\r\n`, 'latin1')
  return Buffer.concat([head, body ?? Buffer.alloc(0), Buffer.from(GOR_RECORD_SEPARATOR)])
}

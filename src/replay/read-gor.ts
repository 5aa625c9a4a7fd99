/**
 * Reads GoReplay's file format (`gor --output-file`, docs/Saving-and-
 * Replaying-from-file.md in buger/goreplay): records separated by the line
 * `🐵🙈🙉` (the bytes "\n🐵🙈🙉\n" between two payloads), each payload a meta
 * line `<type> <id> <timestamp-ns> <latency>` and the raw HTTP message.
 * Type 1 is a request; 2 and 3 (original and replayed responses, written
 * with --output-file-track-response) are skipped and counted. Like
 * GoReplay's input_file.go, the reader works line by line, so a file of any
 * size costs one record of memory.
 */
import { isUtf8 } from 'node:buffer'
import type { CaptureRecord } from '../capture/capture-record.js'
import { readLines } from './line-reader.js'
import { parseRecord } from './parse-record.js'
import { itemOf, type ReadItem } from './read-item.js'

/** The separator line, without its '\n'. */
export const GOR_SEPARATOR = Buffer.from('🐵🙈🙉')
const MAX_RECORD = 64 * 1024 * 1024
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

export async function* readGor(file: string, chunks: AsyncIterable<Buffer>): AsyncGenerator<ReadItem> {
  let lines: Buffer[] = []
  let size = 0
  let first = 0
  let tooLarge = false
  const flush = (): ReadItem | null => {
    const where = `${file}:${first}`
    const item = tooLarge ? { kind: 'malformed' as const, where, problem: `record larger than ${MAX_RECORD / 1024 / 1024} MiB` } : lines.length === 0 ? null : gorItem(where, lines)
    lines = []
    size = 0
    tooLarge = false
    return item
  }
  for await (const line of readLines(chunks, MAX_RECORD)) {
    if (line.terminated && line.bytes.equals(GOR_SEPARATOR)) {
      const item = flush()
      if (item !== null) yield item
      continue
    }
    // Blank lines between records (a hand-edited file) are not a record.
    if (lines.length === 0 && !tooLarge && line.bytes.length === 0) continue
    if (lines.length === 0 && !tooLarge) first = line.number
    if (line.tooLong || size + line.bytes.length > MAX_RECORD) {
      tooLarge = true
      lines = []
      continue
    }
    if (!tooLarge) {
      lines.push(line.bytes)
      size += line.bytes.length + 1
    }
  }
  // GoReplay drops a last record with no separator after it; a cut file is worth a FILE:LINE instead.
  const item = flush()
  if (item !== null) yield item
}

function gorItem(where: string, lines: Buffer[]): ReadItem {
  const meta = lines[0].toString('latin1').replace(/\r$/, '')
  const fields = meta.split(' ')
  if (fields.length < 3 || !/^\d+$/.test(fields[2])) {
    return { kind: 'malformed', where, problem: `meta line: expected '1 <id> <timestamp-ns> <latency>', got '${meta.slice(0, 80)}'` }
  }
  if (fields[0] === '2' || fields[0] === '3') return { kind: 'skipped', where, reason: 'response' }
  if (fields[0] !== '1') return { kind: 'malformed', where, problem: `meta line: payload type must be 1 (request), 2 or 3 (responses), got '${fields[0]}'` }
  // Nanoseconds since the epoch: beyond 2^53, so BigInt until it is milliseconds.
  const at = Number(BigInt(fields[2]) / 1_000n) / 1000
  const payload = Buffer.concat(lines.slice(1).flatMap((l, i) => (i === 0 ? [l] : [NL, l])))
  const request = parseHttpRequest(payload)
  if (typeof request === 'string') return { kind: 'malformed', where, problem: request }
  return itemOf(where, parseRecord(request, new Date(at).toISOString()))
}

const NL = Buffer.from('\n')

/** A raw HTTP/1.x request as a capture record, or what is wrong with it. */
export function parseHttpRequest(payload: Buffer): Omit<CaptureRecord, 'startedDateTime'> | string {
  let end = payload.indexOf('\r\n\r\n')
  let bodyStart = end + 4
  const lf = payload.indexOf('\n\n')
  if (lf >= 0 && (end < 0 || lf < end)) {
    end = lf
    bodyStart = lf + 2
  }
  if (end < 0) return 'HTTP request: no blank line after the headers (cut short?)'
  const head = payload.subarray(0, end).toString('latin1').split(/\r?\n/)
  const requestLine = head[0].split(' ')
  if (requestLine.length !== 3 || !TOKEN.test(requestLine[0]) || !/^HTTP\/\d\.\d$/.test(requestLine[2])) {
    return `HTTP request line: expected 'METHOD target HTTP/1.1', got '${head[0].slice(0, 80)}'`
  }
  const [method, target, version] = requestLine
  const headers: { name: string; value: string }[] = []
  for (const text of head.slice(1)) {
    if (/^[ \t]/.test(text) && headers.length > 0) {
      // Obsolete line folding (RFC 9112 §5.2): one value over two lines.
      headers[headers.length - 1].value += ' ' + text.trim()
      continue
    }
    const colon = text.indexOf(':')
    if (colon <= 0 || !TOKEN.test(text.slice(0, colon))) return `HTTP header: expected 'Name: value', got '${text.slice(0, 80)}'`
    headers.push({ name: text.slice(0, colon), value: text.slice(colon + 1).trim() })
  }
  const header = (name: string) => headers.find((h) => h.name.toLowerCase() === name)?.value
  let body: Buffer = payload.subarray(bodyStart)
  if (/\bchunked\b/i.test(header('transfer-encoding') ?? '')) {
    const decoded = dechunk(body)
    if (typeof decoded === 'string') return decoded
    body = decoded
  } else {
    const length = header('content-length')
    if (length !== undefined) {
      if (!/^\d+$/.test(length)) return `Content-Length: expected a number of bytes, got '${length}'`
      const n = Number(length)
      if (body.length < n) return `body has ${body.length} bytes, Content-Length says ${n} (cut short?)`
      body = body.subarray(0, n)
    }
  }
  const url = /^https?:\/\//i.test(target) ? target : `http://${header('host') ?? 'localhost'}${target.startsWith('/') ? target : `/${target}`}`
  const type = header('content-type') ?? ''
  return {
    method,
    url,
    httpVersion: version,
    cookies: [],
    headers,
    queryString: [],
    ...(body.length > 0 && { postData: isUtf8(body) ? { mimeType: type, text: body.toString('utf8') } : { mimeType: type, text: body.toString('base64'), _encoding: 'base64' as const } }),
    headersSize: bodyStart,
    bodySize: body.length,
  }
}

/** Decodes a chunked body (RFC 9112 §7.1); trailers are dropped. */
function dechunk(body: Buffer): Buffer | string {
  const out: Buffer[] = []
  let at = 0
  for (;;) {
    const eol = body.indexOf('\r\n', at)
    if (eol < 0) return 'chunked body: a chunk size line is missing (cut short?)'
    const size = parseInt(body.subarray(at, eol).toString('latin1').split(';')[0].trim(), 16)
    if (!Number.isFinite(size)) return `chunked body: bad chunk size '${body.subarray(at, eol).toString('latin1').slice(0, 20)}'`
    if (size === 0) return Buffer.concat(out)
    if (eol + 2 + size > body.length) return 'chunked body: a chunk is shorter than its size (cut short?)'
    out.push(body.subarray(eol + 2, eol + 2 + size))
    at = eol + 2 + size + 2
  }
}

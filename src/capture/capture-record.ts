/**
 * One captured request: a HAR 1.2 `entry.request` object (method, url,
 * httpVersion, cookies, headers as `{name, value}`, queryString, postData,
 * headersSize, bodySize) plus the entry's `startedDateTime`, so a capture
 * line converts to and from a HAR entry with nothing lost. The capture file
 * holds one record per line (NDJSON).
 *
 * HAR 1.2 §postData has only `text`; a body that is not valid UTF-8 is
 * written as base64 with `_encoding: "base64"` (HAR 1.2 reserves names with a
 * leading underscore for such extensions; the 1.3 proposal names it
 * `encoding`, which is read too).
 *
 * Everything written goes through the store's redaction (src/store/redact.ts),
 * so the capture file never holds a secret the database would not.
 */
import { isUtf8 } from 'node:buffer'
import type { IncomingHttpHeaders } from 'node:http'
import type { Redactor } from '../store/redact.js'

export interface HarNameValue {
  name: string
  value: string
}

export interface HarPostData {
  mimeType: string
  text?: string
  /** Ours: the text is base64 (a body that is not UTF-8). */
  _encoding?: 'base64'
  /** HAR 1.3 proposal's name for the same. */
  encoding?: string
  params?: { name: string; value?: string }[]
}

/** HAR 1.2 `request` object. */
export interface HarRequest {
  method: string
  url: string
  httpVersion: string
  cookies: unknown[]
  headers: HarNameValue[]
  queryString: HarNameValue[]
  postData?: HarPostData
  headersSize: number
  bodySize: number
}

/** A capture line: HAR's request object with the entry's start time beside it. */
export interface CaptureRecord extends HarRequest {
  startedDateTime: string
}

/** What the proxy hands to the capture: the request as the client sent it. */
export interface SeenRequest {
  at: number
  method: string
  /** Origin-form target: path and query as sent. */
  url: string
  headers: IncomingHttpHeaders
  /** `1.1`, as node:http gives it. */
  httpVersion: string
  body: Buffer | null
  /** 'https' when the client said so through X-Forwarded-Proto. */
  scheme: 'http' | 'https'
}

/**
 * The redacted capture record of a request.
 *
 * @example
 *   toCaptureRecord({ at: Date.now(), method: 'GET', url: '/a?token=s', headers: { host: 'x' }, httpVersion: '1.1', body: null, scheme: 'http' }, redactor)
 *   // { startedDateTime: '…', method: 'GET', url: 'http://x/a?token=[REDACTED]', … }
 */
export function toCaptureRecord(seen: SeenRequest, redactor: Redactor): CaptureRecord {
  const headers = redactor.headers(seen.headers)
  const list: HarNameValue[] = []
  for (const name in headers) {
    const value = headers[name]
    if (typeof value === 'string') list.push({ name, value })
    else for (const v of value) list.push({ name, value: v })
  }
  const target = redactor.url(seen.url)
  const host = typeof seen.headers.host === 'string' && seen.headers.host !== '' ? seen.headers.host : 'localhost'
  const record: CaptureRecord = {
    startedDateTime: new Date(seen.at).toISOString(),
    method: seen.method,
    url: `${seen.scheme}://${host}${target}`,
    httpVersion: `HTTP/${seen.httpVersion}`,
    cookies: [],
    headers: list,
    queryString: queryList(target),
    headersSize: -1,
    bodySize: 0,
  }
  if (seen.body !== null && seen.body.length > 0) {
    const type = seen.headers['content-type']
    const body = redactor.body(seen.body, type)
    record.postData = isUtf8(body)
      ? { mimeType: type ?? '', text: body.toString('utf8') }
      : { mimeType: type ?? '', text: body.toString('base64'), _encoding: 'base64' }
    record.bodySize = body.length
  }
  return record
}

/** HAR's queryString: the parameters of `target`, decoded. */
export function queryList(target: string): HarNameValue[] {
  const q = target.indexOf('?')
  if (q < 0 || q === target.length - 1) return []
  return target
    .slice(q + 1)
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=')
      return eq < 0 ? { name: decode(part), value: '' } : { name: decode(part.slice(0, eq)), value: decode(part.slice(eq + 1)) }
    })
}

function decode(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '))
  } catch {
    return raw
  }
}

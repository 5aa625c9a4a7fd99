/**
 * Checks one request read from a capture, a HAR entry or a `.gor` record,
 * and says precisely what is wrong when it cannot be replayed. The shape is
 * HAR 1.2's `request` object (capture-record.ts); extra fields (`comment`,
 * `_anything`) are kept, so a capture line converts to HAR unchanged.
 */
import type { CaptureRecord, HarPostData } from '../capture/capture-record.js'

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/** A request ready to replay or export. */
export interface ParsedRecord {
  record: CaptureRecord
  /** Epoch ms of startedDateTime; null when the record has none. */
  at: number | null
  body: Buffer | null
}

export type ParseResult = { ok: true; parsed: ParsedRecord } | { ok: false; problem: string } | { ok: false; skip: 'nonHttp'; scheme: string }

/**
 * Validates a HAR request object; `startedDateTime` is the entry's (HAR) or
 * the line's own (capture) start time.
 *
 * @example
 *   parseRecord({ method: 'GET', url: 'http://x/a', httpVersion: 'HTTP/1.1', headers: [] }, undefined)
 */
export function parseRecord(value: unknown, startedDateTime: unknown): ParseResult {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, problem: `expected a HAR request object, got ${kindOf(value)}` }
  const v = value as Record<string, unknown>
  if (typeof v.method !== 'string' || !TOKEN.test(v.method)) return { ok: false, problem: `method: expected an HTTP method such as GET, got ${show(v.method)}` }
  if (typeof v.url !== 'string') return { ok: false, problem: `url: expected an absolute URL string, got ${show(v.url)}` }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(v.url)?.[1].toLowerCase()
  if (scheme === undefined) return { ok: false, problem: `url: expected an absolute URL such as http://host/path, got ${show(v.url)}` }
  if (scheme !== 'http' && scheme !== 'https') return { ok: false, skip: 'nonHttp', scheme }
  if (!/^https?:\/\/[^/?#\s]*(?:[/?#]\S*)?$/i.test(v.url)) return { ok: false, problem: `url: expected http(s)://host/path without spaces, got ${show(v.url)}` }
  if (v.httpVersion !== undefined && typeof v.httpVersion !== 'string') return { ok: false, problem: `httpVersion: expected a string such as HTTP/1.1, got ${show(v.httpVersion)}` }
  if (!Array.isArray(v.headers)) return { ok: false, problem: `headers: expected a list of {name, value}, got ${kindOf(v.headers)}` }
  for (let i = 0; i < v.headers.length; i++) {
    const h = v.headers[i] as Record<string, unknown> | null
    if (h === null || typeof h !== 'object' || typeof h.name !== 'string' || h.name === '' || typeof h.value !== 'string') {
      return { ok: false, problem: `headers[${i}]: expected {name, value} with string values, got ${show(h)}` }
    }
  }
  let at: number | null = null
  if (startedDateTime !== undefined) {
    at = typeof startedDateTime === 'string' ? Date.parse(startedDateTime) : NaN
    if (!Number.isFinite(at)) return { ok: false, problem: `startedDateTime: expected an ISO 8601 date, got ${show(startedDateTime)}` }
  }
  const body = bodyOf(v.postData)
  if (typeof body === 'string') return { ok: false, problem: body }
  // Start time first, as a capture line has it; a record without one is stamped with the time it was read.
  const started = at === null ? new Date().toISOString() : (startedDateTime as string)
  const record = { startedDateTime: started, ...v } as CaptureRecord
  record.startedDateTime = started
  record.httpVersion ??= 'HTTP/1.1'
  record.cookies ??= []
  record.queryString ??= []
  record.headersSize ??= -1
  record.bodySize ??= body?.length ?? 0
  return { ok: true, parsed: { record, at, body } }
}

/** The body bytes of a postData, or a problem message. */
function bodyOf(postData: unknown): Buffer | null | string {
  if (postData === undefined || postData === null) return null
  if (typeof postData !== 'object' || Array.isArray(postData)) return `postData: expected an object with mimeType and text, got ${kindOf(postData)}`
  const p = postData as HarPostData
  const encoding = p._encoding ?? p.encoding
  if (typeof p.text === 'string') {
    if (encoding === undefined || encoding === '') return p.text === '' ? null : Buffer.from(p.text, 'utf8')
    if (encoding !== 'base64') return `postData.encoding: expected base64, got ${show(encoding)}`
    const compact = p.text.replace(/\s+/g, '')
    if (compact.length % 4 === 1 || !BASE64.test(compact)) return `postData.text: not valid base64 (postData.${p._encoding !== undefined ? '_encoding' : 'encoding'} is base64)`
    return compact === '' ? null : Buffer.from(compact, 'base64')
  }
  if (p.text !== undefined) return `postData.text: expected a string, got ${show(p.text)}`
  if (!Array.isArray(p.params)) return 'postData: expected text (or params for a form), got neither'
  // HAR 1.2 §postData: text and params are exclusive; a form given as params is rebuilt.
  if (!/^application\/x-www-form-urlencoded\b/i.test(p.mimeType ?? '')) {
    return `postData: only text, or params of an application/x-www-form-urlencoded form, can be replayed; got params with mimeType ${show(p.mimeType)}`
  }
  const parts: string[] = []
  for (const [i, param] of p.params.entries()) {
    if (param === null || typeof param !== 'object' || typeof param.name !== 'string') return `postData.params[${i}]: expected {name, value}, got ${show(param)}`
    parts.push(`${encodeURIComponent(param.name)}=${encodeURIComponent(typeof param.value === 'string' ? param.value : '')}`)
  }
  return Buffer.from(parts.join('&'))
}

function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : v === undefined ? 'nothing' : typeof v === 'object' ? 'an object' : `${typeof v} ${show(v)}`
}

function show(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v)
  return text.length > 80 ? `${text.slice(0, 77)}…` : text
}

/**
 * A recorded request as it is sent again: the recorded scheme and host give
 * way to the --primary/--candidate origins; path, query, method, headers and
 * body stay as recorded, minus what belongs to the recorded connection:
 *
 * - hop-by-hop headers and those named in Connection (RFC 9110 §7.6.1), and
 *   Content-Length (the body may have been redacted: undici frames it anew);
 * - Host, unless --keep-host (each side then gets the recorded Host, for
 *   virtual hosts); HTTP/2 pseudo-headers (`:authority`) of browser HARs;
 * - headers whose value the capture redacted: a literal "[REDACTED]" would
 *   only earn a 401 on both sides. `--header 'Authorization: Bearer …'`
 *   supplies a fresh one;
 * - `x-request-id`, replaced by the exchange's own id.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { HOP_BY_HOP, connectionTokens } from '../proxy/hop-by-hop.js'
import { REQUEST_ID } from '../proxy/forward-headers.js'
import { REDACTED } from '../store/redact.js'
import type { ParsedRecord } from './parse-record.js'

export interface ReplayCall {
  method: string
  /** Origin-form: path and query as recorded. */
  target: string
  /** Path only. */
  path: string
  /** Flat [name, value, …] list for undici (forward-headers.ts's shape), without the request id. */
  headers: string[]
  /** The same headers as node:http would give them (lower-case names), for rules. */
  headerMap: IncomingHttpHeaders
  body: Buffer | null
}

export interface ReplayHeaderOptions {
  keepHost: boolean
  /** --header overrides: added, or replacing a recorded header of the same name (case-insensitive). */
  extra: readonly { name: string; value: string }[]
}

/**
 * @example
 *   replayCall(parsed, { keepHost: false, extra: [{ name: 'authorization', value: 'Bearer t' }] })
 *   // { method: 'GET', target: '/api/users/1?x=1', headers: ['accept', '*\/*', 'authorization', 'Bearer t'], … }
 */
export function replayCall(parsed: ParsedRecord, opts: ReplayHeaderOptions): ReplayCall {
  const { record } = parsed
  const target = targetOf(record.url)
  const q = target.indexOf('?')
  const overridden = new Set(opts.extra.map((h) => h.name.toLowerCase()))
  let named: Set<string> | null = null
  for (const h of record.headers) if (h.name.toLowerCase() === 'connection') named = connectionTokens(h.value)
  const headers: string[] = []
  const headerMap: IncomingHttpHeaders = {}
  const add = (name: string, value: string) => {
    headers.push(name, value)
    const key = name.toLowerCase()
    const prior = headerMap[key]
    headerMap[key] = prior === undefined ? value : Array.isArray(prior) ? [...prior, value] : `${prior}, ${value}`
  }
  for (const { name, value } of record.headers) {
    const key = name.toLowerCase()
    if (key.startsWith(':') || HOP_BY_HOP.has(key) || named?.has(key) || key === 'content-length' || key === 'expect' || key === REQUEST_ID) continue
    if (key === 'host' && !opts.keepHost) continue
    if (overridden.has(key) || value === REDACTED) continue
    add(name, value)
  }
  for (const { name, value } of opts.extra) add(name, value)
  return { method: record.method, target, path: q < 0 ? target : target.slice(0, q), headers, headerMap, body: parsed.body }
}

/** The raw path and query of an absolute URL, as written (no normalisation: `/a/../b` stays). */
export function targetOf(url: string): string {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*([^#]*)/.exec(url)
  const rest = m?.[1] ?? '/'
  if (rest === '') return '/'
  return rest.startsWith('/') ? rest : `/${rest}`
}

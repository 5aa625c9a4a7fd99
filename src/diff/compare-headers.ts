/**
 * Header comparison under a policy: by default only the media type of
 * content-type; `all` every header except hop-by-hop and volatile ones; a
 * list adds those names; `formatHeaders` are compared by format only.
 * `ignoreHeaders` always wins.
 */
import type { Divergence, HeaderMap } from '../types.js'
import type { ComparePolicy } from './policy.js'
import { HOP_BY_HOP_HEADERS, VOLATILE_HEADERS } from './header-lists.js'
import { headerValue, mediaType, normalizeContentType } from './media-type.js'
import { formatChange } from './format-compare.js'

type HeaderDivergence = Extract<Divergence, { kind: 'header' }>

/** Appends one `header` divergence per differing header to `out`. */
export function compareHeaders(primary: HeaderMap, candidate: HeaderMap, policy: ComparePolicy, out: Divergence[]): void {
  const mode = policy.compareHeaders
  const ignore = policy.ignoreHeaders
  const format = policy.formatHeaders
  if (mode === 'all') compareAll(primary, candidate, ignore, format, out)
  else compareListed(primary, candidate, policy, out)
  // A header compared by format is compared that way only, whatever else the rules say.
  for (const name of format) {
    if (ignore.has(name)) continue
    const p = headerValue(primary, name)
    const c = headerValue(candidate, name)
    const message = p === c ? undefined : formatChange(p, c)
    if (message !== undefined) out.push({ ...headerDivergence(name, p, c), message })
  }
}

function compareListed(primary: HeaderMap, candidate: HeaderMap, policy: ComparePolicy, out: Divergence[]): void {
  const mode = policy.compareHeaders as Exclude<ComparePolicy['compareHeaders'], 'all'>
  const skip = (name: string) => policy.ignoreHeaders.has(name) || policy.formatHeaders.has(name)
  if (!skip('content-type')) {
    const p = headerValue(primary, 'content-type')
    const c = headerValue(candidate, 'content-type')
    if (p !== c) {
      // Listing content-type explicitly asks for its parameters too.
      const full = mode !== 'media-type' && mode.has('content-type')
      const differs = full ? normalizeContentType(p) !== normalizeContentType(c) : mediaType(p) !== mediaType(c)
      if (differs) out.push(headerDivergence('content-type', p, c))
    }
  }
  if (mode === 'media-type') return
  for (const name of mode) {
    if (name === 'content-type' || skip(name)) continue
    const p = headerValue(primary, name)
    const c = headerValue(candidate, name)
    if (p !== c) out.push(headerDivergence(name, p, c))
  }
}

function compareAll(primary: HeaderMap, candidate: HeaderMap, ignore: ReadonlySet<string>, format: ReadonlySet<string>, out: Divergence[]): void {
  const skip = (name: string) =>
    HOP_BY_HOP_HEADERS.has(name) || VOLATILE_HEADERS.has(name) || ignore.has(name) || format.has(name) || connectionListed.has(name)
  // RFC 9110 §7.6.1: headers named in Connection are hop-by-hop for that message.
  const connectionListed = new Set<string>()
  for (const h of [primary, candidate]) {
    const conn = headerValue(h, 'connection')
    if (conn) for (const t of conn.split(',')) connectionListed.add(t.trim().toLowerCase())
  }
  for (const name of Object.keys(primary)) {
    if (skip(name)) continue
    compareOne(name, headerValue(primary, name), headerValue(candidate, name), out)
  }
  for (const name of Object.keys(candidate)) {
    if (skip(name) || primary[name] !== undefined) continue
    compareOne(name, undefined, headerValue(candidate, name), out)
  }
}

function compareOne(name: string, p: string | undefined, c: string | undefined, out: Divergence[]): void {
  if (p === c) return
  if (name === 'content-type' && p !== undefined && c !== undefined && normalizeContentType(p) === normalizeContentType(c)) return
  out.push(headerDivergence(name, p, c))
}

function headerDivergence(name: string, primary: string | undefined, candidate: string | undefined): HeaderDivergence {
  const d: HeaderDivergence = { kind: 'header', name }
  if (primary !== undefined) d.primary = primary
  if (candidate !== undefined) d.candidate = candidate
  return d
}

/**
 * Header noise: what differs between primary and secondary headers, and
 * which candidate header differences that explains.
 *
 * With a secondary configured, every header is compared, not only the ones
 * the rules compare (by default just the media type): the secondary tells
 * noise from change. Volatile headers (date, etag, set-cookie … see
 * src/diff/header-lists.ts) are compared by FORMAT only: a random ETag for a
 * random ETag is no difference, a strong ETag turned weak, or a header that
 * disappeared, is one. Hop-by-hop headers (RFC 9110 §7.6.1) and
 * content-length (it follows the body) are never compared.
 */
import type { Divergence, HeaderMap } from '../types.js'
import type { ComparePolicy } from '../diff/policy.js'
import { HOP_BY_HOP_HEADERS, VOLATILE_HEADERS } from '../diff/header-lists.js'
import { headerValue } from '../diff/media-type.js'
import { observe } from './noise-profile.js'
import type { Observations } from './noise-profile.js'
import { formatOf } from './value-format.js'

/** The field name of a header, as in the store's field counts. */
export function headerField(name: string): string {
  return `header:${name}`
}

/** Header names worth comparing between two responses under `policy`. */
function comparable(a: HeaderMap, b: HeaderMap, policy: ComparePolicy): Set<string> {
  const skip = new Set<string>()
  for (const h of [a, b]) {
    // RFC 9110 §7.6.1: headers named in Connection are hop-by-hop for that message.
    const conn = headerValue(h, 'connection')
    if (conn) for (const t of conn.split(',')) skip.add(t.trim().toLowerCase())
  }
  const out = new Set<string>()
  for (const h of [a, b]) {
    for (const name of Object.keys(h)) {
      if (HOP_BY_HOP_HEADERS.has(name) || name === 'content-length' || policy.ignoreHeaders.has(name) || skip.has(name)) continue
      out.add(name)
    }
  }
  return out
}

/** True when the rules already compare this header (its differences arrive as divergences). */
function policyCompares(name: string, policy: ComparePolicy): boolean {
  const mode = policy.compareHeaders
  if (name === 'content-type' || policy.formatHeaders.has(name)) return true
  if (mode === 'all') return !VOLATILE_HEADERS.has(name)
  return mode !== 'media-type' && mode.has(name)
}

/** Adds the headers where primary and secondary differ to `obs`. */
export function observeHeaders(primary: HeaderMap, secondary: HeaderMap, policy: ComparePolicy, obs: Observations): void {
  for (const name of comparable(primary, secondary, policy)) {
    const p = headerValue(primary, name)
    const s = headerValue(secondary, name)
    if (p !== s) observe(obs, headerField(name), 'header', formatOf(p), formatOf(s), p, s)
  }
}

/**
 * The candidate header differences the rules do not compare: each one is
 * handed to `classify` (noise, divergent, or held for more evidence); a
 * volatile header whose format did not change and that is not noise is no
 * difference, as without a secondary.
 */
export function extraHeaderDifferences(
  primary: HeaderMap,
  candidate: HeaderMap,
  policy: ComparePolicy,
  classify: (d: Extract<Divergence, { kind: 'header' }>) => 'noise' | 'divergent' | 'hold',
  out: Divergence[],
  noise: Divergence[],
  held: Extract<Divergence, { kind: 'header' }>[],
): void {
  for (const name of comparable(primary, candidate, policy)) {
    if (policyCompares(name, policy)) continue
    const p = headerValue(primary, name)
    const c = headerValue(candidate, name)
    if (p === c) continue
    const d: Extract<Divergence, { kind: 'header' }> = { kind: 'header', name }
    if (p !== undefined) d.primary = p
    if (c !== undefined) d.candidate = c
    const v = classify(d)
    if (v === 'noise') noise.push(d)
    else if (VOLATILE_HEADERS.has(name) && formatOf(p) === formatOf(c)) continue
    else if (v === 'hold') held.push(d)
    else out.push(d)
  }
}

/**
 * Chooses which side serves a client's request.
 *
 * Algorithm (keyed, sticky): FNV-1a 32-bit hash of the UTF-16 code units of
 * the key, finished with MurmurHash3's fmix32 avalanche (FNV alone leaves the
 * low bits poorly mixed for keys that differ in one character, like
 * `user-1`, `user-2`), then mapped by multiply-shift to a bucket in
 * [0, 10000): a 0.01% resolution, so a weight of 0.5% is 50 buckets. The
 * request goes to the candidate iff `bucket < weight * 100`.
 *
 * Monotone by construction: raising the weight only adds buckets, so a user
 * on the candidate at 5% is still on it at 25%, 50% and 100%, and one on the
 * primary at 25% was on the primary at 5%. A user moves at most once during a
 * promotion. No crypto on the hot path: a few multiplications per key char.
 *
 * Keyless requests (no sticky header/cookie configured, or the client sent
 * none) use a deterministic counter sampler, see `SplitSampler`.
 */
import type { HeaderMap } from '../types.js'
import type { Route, TrafficState } from './audit-event.js'

export type { Route } from './audit-event.js'

/** Number of buckets: 10000 gives weights a 0.01% resolution. */
export const BUCKETS = 10_000

/** FNV-1a 32-bit over UTF-16 code units, then fmix32. Returns an unsigned 32-bit integer. */
export function hashKey(key: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  // fmix32 (MurmurHash3 finaliser): every input bit affects every output bit.
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** The key's bucket in [0, 10000). Multiply-shift uses the high bits, free of modulo bias. */
export function bucketOf(key: string): number {
  return Math.floor((hashKey(key) * BUCKETS) / 0x1_0000_0000)
}

/**
 * Deterministic per-request sampler for keyless requests (Traefik's mirror
 * sampler): the request goes to the candidate iff `sent * 100 < seen * weight`
 * after counting it. Chosen over Math.random because the split is exact at any
 * volume (a test can assert exactly 10 of 100 at 10%, and 5 requests at 20%
 * send exactly 1) with no RNG cost and no run of bad luck at low volume.
 * Counters restart when the weight changes so the new weight is met from the
 * next request on, not averaged with the old one.
 */
export class SplitSampler {
  #seen = 0
  #sent = 0
  #weight = -1

  /** Counts one request; true when it goes to the candidate. */
  take(weight: number): boolean {
    if (weight !== this.#weight) {
      this.#weight = weight
      this.#seen = 0
      this.#sent = 0
    }
    // Plain numbers stay exact up to 2^53 requests: no wrap-around to handle.
    this.#seen++
    if (this.#sent * 100 < this.#seen * weight) {
      this.#sent++
      return true
    }
    return false
  }
}

const sharedSampler = new SplitSampler()

/**
 * The side that serves one request.
 * - `override` (from the tester override header) pins the request, in every mode.
 * - mode `shadow` → primary; mode `candidate` → candidate.
 * - mode `split` with a key → candidate iff `bucketOf(key) < weight * 100` (sticky).
 * - mode `split` without a key → the deterministic sampler (not sticky).
 *
 * @example
 *   chooseSide({ mode: 'split', weight: 25, reverseShadow: false }, 'user-42') // same answer every time
 */
export function chooseSide(
  state: TrafficState,
  key: string | undefined,
  override?: Route,
  sampler: SplitSampler = sharedSampler,
): Route {
  if (override !== undefined) return override
  if (state.mode === 'shadow') return 'primary'
  if (state.mode === 'candidate') return 'candidate'
  if (state.weight <= 0) return 'primary'
  if (state.weight >= 100) return 'candidate'
  if (key !== undefined && key !== '') return bucketOf(key) < state.weight * 100 ? 'candidate' : 'primary'
  return sampler.take(state.weight) ? 'candidate' : 'primary'
}

/** Where the sticky key comes from: a request header or a cookie (never both). */
export type KeySource = { header: string } | { cookie: string }

/**
 * Builds the per-request key reader once, so the hot path does no option
 * checks. Returns undefined when no source is configured or the request
 * carries no (or an empty) key.
 *
 * @example
 *   const keyOf = keyExtractor({ cookie: 'session' })
 *   keyOf({ cookie: 'theme=dark; session=abc123' }) // 'abc123'
 */
export function keyExtractor(source: KeySource | undefined): (headers: HeaderMap) => string | undefined {
  if (source === undefined) return () => undefined
  if ('header' in source) {
    const name = source.header.toLowerCase()
    return (headers) => nonEmpty(first(headers[name]))
  }
  const cookie = source.cookie
  return (headers) => readCookie(headers.cookie, cookie)
}

/**
 * The value of one cookie from a Cookie header, without parsing the others
 * (RFC 6265 §4.2.1: `name=value` pairs separated by `; `). A DQUOTE-wrapped
 * value is unwrapped (§4.1.1). The first occurrence wins, as browsers send the
 * most specific cookie first (§5.4).
 */
export function readCookie(header: string | string[] | undefined, name: string): string | undefined {
  if (header === undefined) return undefined
  // HTTP/2 may split Cookie into several fields (RFC 9113 §8.2.3).
  const text = Array.isArray(header) ? header.join('; ') : header
  let from = 0
  while (from < text.length) {
    const at = text.indexOf(name, from)
    if (at === -1) return undefined
    const end = at + name.length
    // A match must start a pair (after start, ';' or whitespace) and be followed by '='.
    if (text.charCodeAt(end) === 0x3d /* = */ && startsPair(text, at)) {
      let stop = text.indexOf(';', end)
      if (stop === -1) stop = text.length
      let value = text.slice(end + 1, stop).trim()
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1)
      return nonEmpty(value)
    }
    from = at + 1
  }
  return undefined
}

function startsPair(text: string, at: number): boolean {
  let i = at - 1
  while (i >= 0 && (text[i] === ' ' || text[i] === '\t')) i--
  return i < 0 || text[i] === ';'
}

/** Default name of the tester override header (off unless configured). */
export const DEFAULT_ROUTE_OVERRIDE_HEADER = 'x-shadowdiff-route'

/**
 * Reads the tester override header: `primary` or `candidate` (any case)
 * pins the request. Any other value is ignored and the request is routed as
 * usual: a typo by a tester must not fail a real request.
 */
export function readOverride(headers: HeaderMap, headerName: string | undefined): Route | undefined {
  if (headerName === undefined) return undefined
  const value = first(headers[headerName.toLowerCase()])?.trim().toLowerCase()
  return value === 'primary' || value === 'candidate' ? value : undefined
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}

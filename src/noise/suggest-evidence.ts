/**
 * The evidence `rules suggest` gathers per route from recorded exchanges:
 * per field, how often and how primary and candidate differed (formats,
 * numeric differences, values seen); per array, order-only changes and
 * elements that came or went; per header, presence and differences.
 */
import type { HeaderMap } from '../types.js'
import type { ComparePolicy } from '../diff/policy.js'
import { automatonFor } from '../diff/pointer-automaton.js'
import { HOP_BY_HOP_HEADERS } from '../diff/header-lists.js'
import { headerValue } from '../diff/media-type.js'
import { foldPointer } from '../store/divergence-fields.js'
import { idKeyOf, walkJson } from './json-walk.js'
import type { Json } from './json-walk.js'
import { formatOf } from './value-format.js'
import type { RecordedExchange } from './suggest-rules.js'

/** How one request key (method, path and query) differed at a field, over its recorded exchanges. */
export interface KeyChanges {
  /** Exchanges of this key where the field differed. */
  n: number
  /** Distinct changes (`primary → candidate`, as JSON), at most a few. */
  changes: Set<string>
  /** The first change, for the evidence. */
  example: [unknown, unknown]
}

/** Most distinct changes kept per key: two already tell a repeat from a fresh value. */
const MAX_CHANGES_PER_KEY = 4

/** One field that was replaced (primary value → candidate value). */
export interface FieldStats {
  n: number
  preserving: number
  formatChanges: number
  formatExample?: [unknown, unknown]
  example?: [unknown, unknown]
  pairs: Map<string, number>
  deltas: number[]
  /** candidate − primary of the numeric pairs, signed (a constant delta is a change, not jitter). */
  signed: number[]
  magnitudes: number[]
  values: Set<string>
  /** Per request key: how the field differed there (same change on every repeat, or a fresh one). */
  byKey: Map<string, KeyChanges>
  /** Largest |candidate − primary| in seconds between two time values (ISO or HTTP dates). */
  maxSeconds: number
  /** Distinct changes over all exchanges, at most a few. */
  changes: Set<string>
}

/** One array: order-only changes and elements that came or went. */
export interface ArrayStats {
  moved: number
  changed: number
  moveExample?: Json
  changeExample?: string
  key?: string
  /** Per request key: the orders the candidate answered in (same order on every repeat, or a fresh one). */
  byKey: Map<string, KeyChanges>
}

/** One response header. */
export interface HeaderStats {
  present: number
  differs: number
  preserving: number
  /** Formats of the primary's value where it differed. */
  formats: Set<string>
  /** Distinct candidate values where it differed. */
  values: Set<string>
  /** Distinct changes (`primary → candidate`) where it differed, at most a few. */
  changes: Set<string>
  example?: [string | undefined, string | undefined]
}

/** Everything gathered for one (method, route). */
export interface RouteAcc {
  method: string
  route: string
  paths: Set<string>
  exchanges: number
  /** Recorded exchanges with JSON bodies per request key. */
  keys: Map<string, number>
  /** The recorded exchanges, in order, for the impact of a suggestion (suggest-impact.ts). */
  recorded: RecordedExchange[]
  /**
   * Per folded pointer: recorded exchanges whose primary value there is a
   * time within MAX_CLOCK_SECONDS of the exchange itself, i.e. a clock
   * reading (`servedAt`), which two instances read apart whenever the clock
   * ticks between their answers, even if it never did in what was recorded.
   */
  clock: Map<string, number>
  fields: Map<string, FieldStats>
  arrays: Map<string, ArrayStats>
  headers: Map<string, HeaderStats>
}

function parse(body: Buffer | null): Json | undefined {
  if (body === null || body.length === 0) return undefined
  try {
    const v = JSON.parse(body.toString('utf8')) as Json
    return typeof v === 'object' && v !== null ? v : undefined
  } catch {
    return undefined
  }
}

/** Adds one recorded exchange's differences to its route's evidence. */
export function addExchange(acc: RouteAcc, ex: RecordedExchange): void {
  acc.paths.add(ex.path)
  acc.recorded.push(ex)
  if (ex.primaryHeaders && ex.candidateHeaders) addHeaders(acc, ex.primaryHeaders, ex.candidateHeaders, ex.policy)
  const a = parse(ex.primaryBody)
  const b = parse(ex.candidateBody)
  if (a === undefined || b === undefined) return
  const diffs = walkJson(a, b, ex.policy ? automatonFor(ex.policy).root : null)
  if (diffs === null) return
  acc.exchanges++
  const key = requestKey(ex)
  acc.keys.set(key, (acc.keys.get(key) ?? 0) + 1)
  if (ex.at !== undefined) addClockReadings(acc.clock, a, '', ex.at, new Set())
  const seen = new Set<string>()
  for (const d of diffs) {
    const field = foldPointer(d.path)
    if (d.op === 'move') {
      const s = arrayStats(acc, field)
      if (seen.has('move ' + field)) continue
      seen.add('move ' + field)
      s.moved++
      const arr = resolve(b, d.path)
      if (Array.isArray(arr)) {
        s.moveExample ??= arr
        s.key ??= idKeyOf(arr, arr)
      }
      addKeyChange(s.byKey, key, resolve(a, d.path), arr)
      continue
    }
    if (d.element) {
      const parent = field.slice(0, field.lastIndexOf('/'))
      const s = arrayStats(acc, parent)
      if (seen.has('elem ' + parent)) continue
      seen.add('elem ' + parent)
      s.changed++
      s.changeExample ??= `${d.op === 'remove' ? 'lost' : 'gained'} ${show(d.op === 'remove' ? d.a : d.b)}`
      continue
    }
    if (d.op !== 'replace' || seen.has('replace ' + field)) continue
    seen.add('replace ' + field)
    let f = acc.fields.get(field)
    if (!f) {
      f = { n: 0, preserving: 0, formatChanges: 0, pairs: new Map(), deltas: [], signed: [], magnitudes: [], values: new Set(), byKey: new Map(), maxSeconds: 0, changes: new Set() }
      acc.fields.set(field, f)
    }
    f.n++
    addKeyChange(f.byKey, key, d.a, d.b)
    if (f.changes.size < MAX_CHANGES_PER_KEY) f.changes.add(JSON.stringify([d.a, d.b]))
    const seconds = timeApart(d.a, d.b)
    if (seconds !== undefined) f.maxSeconds = Math.max(f.maxSeconds, seconds)
    f.example ??= [d.a, d.b]
    const fa = formatOf(d.a)
    const fb = formatOf(d.b)
    const pair = `${fa} → ${fb}`
    f.pairs.set(pair, (f.pairs.get(pair) ?? 0) + 1)
    if (fa === fb) f.preserving++
    else {
      f.formatChanges++
      f.formatExample ??= [d.a, d.b]
    }
    if (typeof d.a === 'number' && typeof d.b === 'number') {
      f.deltas.push(Math.abs(d.a - d.b))
      f.signed.push(d.b - d.a)
      f.magnitudes.push(Math.max(Math.abs(d.a), Math.abs(d.b)))
    }
    if (f.values.size < 10_000) f.values.add(JSON.stringify(d.a))
  }
}

function arrayStats(acc: RouteAcc, field: string): ArrayStats {
  let s = acc.arrays.get(field)
  if (!s) acc.arrays.set(field, (s = { moved: 0, changed: 0, byKey: new Map() }))
  return s
}

function addHeaders(acc: RouteAcc, p: HeaderMap, c: HeaderMap, policy: ComparePolicy | undefined): void {
  const names = new Set([...Object.keys(p), ...Object.keys(c)])
  for (const name of names) {
    if (HOP_BY_HOP_HEADERS.has(name) || name === 'content-length' || name === 'content-type' || policy?.ignoreHeaders.has(name)) continue
    const pv = headerValue(p, name)
    const cv = headerValue(c, name)
    let h = acc.headers.get(name)
    if (!h) acc.headers.set(name, (h = { present: 0, differs: 0, preserving: 0, formats: new Set(), values: new Set(), changes: new Set() }))
    h.present++
    if (pv === cv) continue
    h.differs++
    const format = formatOf(pv)
    if (format === formatOf(cv)) h.preserving++
    if (h.formats.size < 100) h.formats.add(format)
    if (h.values.size < 10_000) h.values.add(String(cv))
    if (h.changes.size < MAX_CHANGES_PER_KEY) h.changes.add(JSON.stringify([pv ?? null, cv ?? null]))
    h.example ??= [pv, cv]
  }
}

/** Two instances answering one request read their clocks seconds apart, not more. */
export const MAX_CLOCK_SECONDS = 60

/** Counts, once per exchange, the folded pointers whose value is a time within MAX_CLOCK_SECONDS of `at`. */
function addClockReadings(clock: Map<string, number>, v: Json, pointer: string, at: number, seen: Set<string>): void {
  if (typeof v === 'string') {
    const field = foldPointer(pointer)
    if (seen.has(field) || !TIME_FORMAT.test(formatOf(v))) return
    const t = Date.parse(v)
    if (Number.isFinite(t) && Math.abs(t - at) <= MAX_CLOCK_SECONDS * 1000) {
      seen.add(field)
      clock.set(field, (clock.get(field) ?? 0) + 1)
    }
    return
  }
  if (v === null || typeof v !== 'object') return
  if (Array.isArray(v)) v.forEach((x, i) => addClockReadings(clock, x, `${pointer}/${i}`, at, seen))
  else for (const [k, x] of Object.entries(v)) addClockReadings(clock, x, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, at, seen)
}

/** What makes two requests the same request: method, path and query as sent. */
export function requestKey(ex: RecordedExchange): string {
  return `${ex.method} ${ex.url ?? ex.path}`
}

function addKeyChange(byKey: Map<string, KeyChanges>, key: string, a: unknown, b: unknown): void {
  let k = byKey.get(key)
  if (!k) byKey.set(key, (k = { n: 0, changes: new Set(), example: [a, b] }))
  k.n++
  if (k.changes.size < MAX_CHANGES_PER_KEY) k.changes.add(JSON.stringify([a, b]))
}

const TIME_FORMAT = /^(iso-datetime|iso-date|http-date)/

/**
 * Seconds between two time values of the same time format, or undefined
 * when they are not (a change of format is evidence of its own).
 */
function timeApart(a: unknown, b: unknown): number | undefined {
  if (typeof a !== 'string' || typeof b !== 'string' || !TIME_FORMAT.test(formatOf(a)) || formatOf(a) !== formatOf(b)) return undefined
  const ta = Date.parse(a)
  const tb = Date.parse(b)
  return Number.isFinite(ta) && Number.isFinite(tb) ? Math.abs(tb - ta) / 1000 : undefined
}

function resolve(doc: Json, pointer: string): Json | undefined {
  let cur: Json | undefined = doc
  for (const raw of pointer === '' ? [] : pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (cur === null || typeof cur !== 'object') return undefined
    cur = Array.isArray(cur) ? cur[Number(token)] : cur[token]
  }
  return cur
}

/** A short, one-line rendering of an example value. */
export function show(v: unknown): string {
  // 12 significant digits: 25.99, not the 25.990000000000002 that float addition leaves.
  const text = v === undefined ? '(absent)' : typeof v === 'number' ? String(Number(v.toPrecision(12))) : JSON.stringify(v)
  return text.length > 60 ? text.slice(0, 57) + '…' : text
}

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

/** One field that was replaced (primary value → candidate value). */
export interface FieldStats {
  n: number
  preserving: number
  formatChanges: number
  formatExample?: [unknown, unknown]
  example?: [unknown, unknown]
  pairs: Map<string, number>
  deltas: number[]
  magnitudes: number[]
  values: Set<string>
}

/** One array: order-only changes and elements that came or went. */
export interface ArrayStats {
  moved: number
  changed: number
  moveExample?: Json
  changeExample?: string
  key?: string
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
  example?: [string | undefined, string | undefined]
}

/** Everything gathered for one (method, route). */
export interface RouteAcc {
  method: string
  route: string
  paths: Set<string>
  exchanges: number
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
  if (ex.primaryHeaders && ex.candidateHeaders) addHeaders(acc, ex.primaryHeaders, ex.candidateHeaders, ex.policy)
  const a = parse(ex.primaryBody)
  const b = parse(ex.candidateBody)
  if (a === undefined || b === undefined) return
  const diffs = walkJson(a, b, ex.policy ? automatonFor(ex.policy).root : null)
  if (diffs === null) return
  acc.exchanges++
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
    if (!f) acc.fields.set(field, (f = { n: 0, preserving: 0, formatChanges: 0, pairs: new Map(), deltas: [], magnitudes: [], values: new Set() }))
    f.n++
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
      f.magnitudes.push(Math.abs(d.a))
    }
    if (f.values.size < 10_000) f.values.add(JSON.stringify(d.a))
  }
}

function arrayStats(acc: RouteAcc, field: string): ArrayStats {
  let s = acc.arrays.get(field)
  if (!s) acc.arrays.set(field, (s = { moved: 0, changed: 0 }))
  return s
}

function addHeaders(acc: RouteAcc, p: HeaderMap, c: HeaderMap, policy: ComparePolicy | undefined): void {
  const names = new Set([...Object.keys(p), ...Object.keys(c)])
  for (const name of names) {
    if (HOP_BY_HOP_HEADERS.has(name) || name === 'content-length' || name === 'content-type' || policy?.ignoreHeaders.has(name)) continue
    const pv = headerValue(p, name)
    const cv = headerValue(c, name)
    let h = acc.headers.get(name)
    if (!h) acc.headers.set(name, (h = { present: 0, differs: 0, preserving: 0, formats: new Set(), values: new Set() }))
    h.present++
    if (pv === cv) continue
    h.differs++
    const format = formatOf(pv)
    if (format === formatOf(cv)) h.preserving++
    if (h.formats.size < 100) h.formats.add(format)
    if (h.values.size < 10_000) h.values.add(String(cv))
    h.example ??= [pv, cv]
  }
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
  const text = v === undefined ? '(absent)' : JSON.stringify(v)
  return text.length > 60 ? text.slice(0, 57) + '…' : text
}

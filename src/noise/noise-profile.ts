/**
 * What the noise stage learned, per (method, route, field, op), from every
 * exchange whose secondary answered: how often primary and secondary
 * differed there, how (numbers: the largest difference; strings: the
 * formats), and out of how many exchanges. Loaded from and written to the
 * store (src/store/learned-noise.ts), bounded in size.
 */
import type { LearnedFieldRow, LearnedNoiseBatch, LearnedNoiseSource, LearnedRouteRow } from '../store/learned-noise.js'

/** What one exchange showed at one field: primary and secondary differed there. */
export interface Observation {
  /** Formats of both values of every differing pair (src/noise/value-format.ts). */
  formats: Set<string>
  /** Every differing pair kept its format. */
  formatPreserving: boolean
  /** Every differing pair was number → number. */
  numeric: boolean
  /** Largest |primary − secondary| of the numeric pairs. */
  magnitude: number
}

/** Observations of one exchange keyed by fieldKey(field, op). */
export type Observations = Map<string, Observation>

/** Noise kinds, as stored: a summary of the counts below. */
export type NoiseKind = 'order' | 'numeric' | 'format' | 'presence' | 'value'

export interface FieldNoise {
  field: string
  op: string
  observed: number
  numeric: number
  maxMagnitude: number
  formatPreserving: number
  formats: Set<string>
  /** More formats than MAX_FORMATS were seen: the format check only accepts an unchanged format. */
  formatsOverflow: boolean
  firstAt: number
  lastAt: number
}

export interface RouteNoise {
  method: string
  route: string
  /** Exchanges whose secondary answered: the sample size of every field's noise rate. */
  exchanges: number
  fields: Map<string, FieldNoise>
  /** Arrays (folded pointers) seen in another order: always compared as multisets. */
  orderOnly: Set<string>
  firstAt: number
  lastAt: number
}

const MAX_FORMATS = 16

/** The key of a (field, op) pair, as in the store's field counts. */
export function fieldKey(field: string, op: string): string {
  return op + '\u0000' + field
}

/** Adds one differing pair (a, b) at a field to an exchange's observations. */
export function observe(obs: Observations, field: string, op: string, fa: string, fb: string, a?: unknown, b?: unknown): void {
  const key = fieldKey(field, op)
  let o = obs.get(key)
  if (o === undefined) obs.set(key, (o = { formats: new Set(), formatPreserving: true, numeric: true, magnitude: 0 }))
  o.formats.add(fa)
  o.formats.add(fb)
  if (fa !== fb) o.formatPreserving = false
  if (typeof a === 'number' && typeof b === 'number') o.magnitude = Math.max(o.magnitude, Math.abs(a - b))
  else o.numeric = false
}

/** The kind a field's counts add up to. */
export function kindOf(f: FieldNoise): NoiseKind {
  if (f.op === 'move') return 'order'
  if (f.op === 'add' || f.op === 'remove') return 'presence'
  if (f.numeric === f.observed) return 'numeric'
  if (f.formatPreserving === f.observed) return 'format'
  return 'value'
}

/**
 * The learned noise of every route, with the changed entries tracked so the
 * recorder writes only those (LearnedNoiseSource).
 */
export class NoiseProfile implements LearnedNoiseSource {
  readonly #routes = new Map<string, RouteNoise>()
  readonly #maxFields: number
  #fieldCount = 0
  #dirtyRoutes = new Set<RouteNoise>()
  #dirtyFields = new Map<FieldNoise, RouteNoise>()
  /** Fields not learned because maxFields was reached. */
  dropped = 0

  constructor(maxFields: number) {
    this.#maxFields = maxFields
  }

  route(method: string, route: string): RouteNoise | undefined {
    return this.#routes.get(method + '\u0000' + route)
  }

  get size(): number {
    return this.#fieldCount
  }

  /** Adds one exchange whose secondary answered, with what differed in it. */
  learn(method: string, route: string, at: number, obs: Observations): void {
    const r = this.#routeFor(method, route, at)
    r.exchanges++
    r.lastAt = at
    this.#dirtyRoutes.add(r)
    for (const [key, o] of obs) {
      let f = r.fields.get(key)
      if (f === undefined) {
        if (this.#fieldCount >= this.#maxFields) {
          this.dropped++
          continue
        }
        const sep = key.indexOf('\u0000')
        f = newField(key.slice(sep + 1), key.slice(0, sep), at)
        r.fields.set(key, f)
        if (f.op === 'move') r.orderOnly.add(f.field)
        this.#fieldCount++
      }
      f.observed++
      if (o.numeric) {
        f.numeric++
        f.maxMagnitude = Math.max(f.maxMagnitude, o.magnitude)
      }
      if (o.formatPreserving) f.formatPreserving++
      for (const fmt of o.formats) addFormat(f, fmt)
      f.lastAt = at
      this.#dirtyFields.set(f, r)
    }
  }

  /** Loads stored rows (at start); later rows for the same key replace earlier ones. */
  load(batch: LearnedNoiseBatch): void {
    for (const row of batch.routes) {
      const r = this.#routeFor(row.method, row.route, row.first_at)
      r.exchanges = row.exchanges
      r.firstAt = row.first_at
      r.lastAt = row.last_at
    }
    for (const row of batch.fields) {
      const r = this.#routeFor(row.method, row.route, row.first_at)
      const key = fieldKey(row.field, row.op)
      if (!r.fields.has(key)) {
        if (this.#fieldCount >= this.#maxFields) {
          this.dropped++
          continue
        }
        this.#fieldCount++
      }
      r.fields.set(key, fromRow(row))
      if (row.op === 'move' && row.observed > 0) r.orderOnly.add(row.field)
    }
  }

  takeDirty(): LearnedNoiseBatch | null {
    if (this.#dirtyRoutes.size === 0 && this.#dirtyFields.size === 0) return null
    const batch: LearnedNoiseBatch = {
      routes: [...this.#dirtyRoutes].map(routeRow),
      fields: [...this.#dirtyFields].map(([f, r]) => fieldRow(r, f)),
    }
    this.#dirtyRoutes = new Set()
    this.#dirtyFields = new Map()
    return batch
  }

  putBack(batch: LearnedNoiseBatch): void {
    // Rows are totals: marking the entries dirty again rewrites their current values.
    for (const row of batch.routes) {
      const r = this.route(row.method, row.route)
      if (r) this.#dirtyRoutes.add(r)
    }
    for (const row of batch.fields) {
      const r = this.route(row.method, row.route)
      const f = r?.fields.get(fieldKey(row.field, row.op))
      if (r && f) this.#dirtyFields.set(f, r)
    }
  }

  #routeFor(method: string, route: string, at: number): RouteNoise {
    const key = method + '\u0000' + route
    let r = this.#routes.get(key)
    if (r === undefined) this.#routes.set(key, (r = { method, route, exchanges: 0, fields: new Map(), orderOnly: new Set(), firstAt: at, lastAt: at }))
    return r
  }
}

function newField(field: string, op: string, at: number): FieldNoise {
  return { field, op, observed: 0, numeric: 0, maxMagnitude: 0, formatPreserving: 0, formats: new Set(), formatsOverflow: false, firstAt: at, lastAt: at }
}

function addFormat(f: FieldNoise, fmt: string): void {
  if (f.formatsOverflow || f.formats.has(fmt)) return
  if (f.formats.size >= MAX_FORMATS) f.formatsOverflow = true
  else f.formats.add(fmt)
}

function routeRow(r: RouteNoise): LearnedRouteRow {
  return { method: r.method, route: r.route, exchanges: r.exchanges, first_at: r.firstAt, last_at: r.lastAt }
}

function fieldRow(r: RouteNoise, f: FieldNoise): LearnedFieldRow {
  return {
    method: r.method,
    route: r.route,
    field: f.field,
    op: f.op,
    kind: kindOf(f),
    observed: f.observed,
    numeric: f.numeric,
    max_magnitude: f.maxMagnitude,
    format_preserving: f.formatPreserving,
    formats: JSON.stringify(f.formatsOverflow ? [...f.formats, '*'] : [...f.formats]),
    first_at: f.firstAt,
    last_at: f.lastAt,
  }
}

function fromRow(row: LearnedFieldRow): FieldNoise {
  let formats: string[] = []
  try {
    const parsed = JSON.parse(row.formats) as unknown
    if (Array.isArray(parsed)) formats = parsed.filter((x): x is string => typeof x === 'string')
  } catch {
    // A damaged formats column only loses the format evidence, not the counts.
  }
  const overflow = formats.includes('*')
  return {
    field: row.field,
    op: row.op,
    observed: row.observed,
    numeric: row.numeric,
    maxMagnitude: row.max_magnitude,
    formatPreserving: row.format_preserving,
    formats: new Set(formats.filter((f) => f !== '*')),
    formatsOverflow: overflow,
    firstAt: row.first_at,
    lastAt: row.last_at,
  }
}

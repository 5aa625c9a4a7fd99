/**
 * In-memory aggregates between flushes: one entry per (second, method,
 * route), every member a sum or a max, so two entries for the same key merge
 * by addition (which is also how a failed flush's snapshot is put back).
 * A flush writes each entry to the second tables and adds it into its
 * minute's row (store-writer.ts).
 */
import type { ComparedExchange, Divergence } from '../types.js'
import { fieldsOf } from './divergence-fields.js'
import { candidateErrorPart } from '../stats.js'
import type { FieldKey } from './divergence-fields.js'
import { bucketOf, toMicros } from './latency-histogram.js'
import { COUNTER_COLUMNS } from './schema.js'
import type { CounterColumn } from './schema.js'

export interface FieldAggregate {
  field: string
  op: string
  count: number
  noise: number
}

export interface Aggregate {
  /** Epoch second of the exchanges' start. */
  second: number
  /** The second's minute (floor(second / 60)). */
  minute: number
  method: string
  route: string
  /** Indexed like COUNTER_COLUMNS. */
  counters: number[]
  primaryMaxUs: number
  candidateMaxUs: number
  primaryLatency: Map<number, number>
  candidateLatency: Map<number, number>
  fields: Map<string, FieldAggregate>
  /** How many record calls were folded into this entry (for written/lost stats). */
  records: number
}

/** Position of each counter column in `Aggregate.counters`. */
export const COUNTER_INDEX = Object.fromEntries(COUNTER_COLUMNS.map((c, i) => [c, i])) as Record<CounterColumn, number>

export const MINUTE_MS = 60_000
export const SECOND_MS = 1_000

export function minuteOf(at: number): number {
  return Math.floor(at / MINUTE_MS)
}

export function secondOf(at: number): number {
  return Math.floor(at / SECOND_MS)
}

export function aggregateKey(second: number, method: string, route: string): string {
  return `${second}\u0000${method}\u0000${route}`
}

/** An empty aggregate of (second, method, route); `second` may be 0 for accumulators that span time. */
export function newAggregate(second: number, method: string, route: string): Aggregate {
  return {
    second,
    minute: Math.floor(second / 60),
    method,
    route,
    counters: new Array<number>(COUNTER_COLUMNS.length).fill(0),
    primaryMaxUs: 0,
    candidateMaxUs: 0,
    primaryLatency: new Map(),
    candidateLatency: new Map(),
    fields: new Map(),
    records: 0,
  }
}

export function addTo(map: Map<number, number>, key: number, n: number): void {
  map.set(key, (map.get(key) ?? 0) + n)
}

/** Adds `from` into `into` (same key). */
export function mergeAggregate(into: Aggregate, from: Aggregate): void {
  for (let i = 0; i < into.counters.length; i++) into.counters[i] += from.counters[i]
  into.primaryMaxUs = Math.max(into.primaryMaxUs, from.primaryMaxUs)
  into.candidateMaxUs = Math.max(into.candidateMaxUs, from.candidateMaxUs)
  for (const [b, n] of from.primaryLatency) addTo(into.primaryLatency, b, n)
  for (const [b, n] of from.candidateLatency) addTo(into.candidateLatency, b, n)
  for (const [k, f] of from.fields) {
    const cur = into.fields.get(k)
    if (cur) {
      cur.count += f.count
      cur.noise += f.noise
    } else into.fields.set(k, { ...f })
  }
  into.records += from.records
}

/**
 * Adds one compared exchange to its aggregate: counters, latency (answered
 * sides only: a refused connection's "latency" says nothing about speed),
 * and per-field counts, each field once per exchange. Returns the fields of
 * the divergences ([] for an equal exchange).
 *
 * Candidate errors have one meaning everywhere (reports, gate, metrics):
 * the candidate failed where the primary did not, i.e. the primary answered
 * below 500 and the candidate answered 5xx (`status5xx`) or did not answer
 * at all: refused, reset, timeout, bad response (`network`).
 * `candidate_new_errors` counts both parts, `candidate_errors` the network
 * part (so the 5xx part is their difference); `candidate_5xx` keeps every
 * candidate 5xx, as context beside `primary_5xx`. Before this meaning,
 * `candidate_errors` counted network failures whatever the primary
 * answered, so an older file may show a few more network errors (those
 * where the primary answered 5xx too) and as many fewer 5xx.
 */
export function addCompared(a: Aggregate, ex: ComparedExchange, noise: readonly Divergence[]): FieldKey[] {
  const c = a.counters
  const { primary, candidate } = ex
  const divergent = ex.divergences.length > 0
  c[COUNTER_INDEX.compared]++
  if (divergent) c[COUNTER_INDEX.divergent]++
  else if (noise.length > 0) c[COUNTER_INDEX.noise]++
  if (primary.ok) {
    if (primary.status >= 500) c[COUNTER_INDEX.primary_5xx]++
    addTo(a.primaryLatency, bucketOf(primary.latencyMs), 1)
    a.primaryMaxUs = Math.max(a.primaryMaxUs, toMicros(primary.latencyMs))
  }
  if (candidate.ok) {
    if (candidate.status >= 500) c[COUNTER_INDEX.candidate_5xx]++
    addTo(a.candidateLatency, bucketOf(candidate.latencyMs), 1)
    a.candidateMaxUs = Math.max(a.candidateMaxUs, toMicros(candidate.latencyMs))
  }
  const error = candidateErrorPart(primary, candidate)
  if (error !== undefined) c[COUNTER_INDEX.candidate_new_errors]++
  if (error === 'network') c[COUNTER_INDEX.candidate_errors]++
  if (noise.length > 0) for (const f of fieldsOf(noise)) fieldOf(a, f).noise++
  a.records++
  if (!divergent) return []
  const fields = fieldsOf(ex.divergences)
  for (const f of fields) fieldOf(a, f).count++
  return fields
}

function fieldOf(a: Aggregate, { field, op }: FieldKey): FieldAggregate {
  const key = `${op}\u0000${field}`
  let f = a.fields.get(key)
  if (f === undefined) {
    f = { field, op, count: 0, noise: 0 }
    a.fields.set(key, f)
  }
  return f
}

/**
 * Reads the aggregates of one database within a minute window and adds them
 * into accumulators shared by every database of the report. Everything read
 * is a sum or a max, so adding files in any order gives the same totals.
 */
import type { Database } from 'better-sqlite3'
import { COUNTER_COLUMNS } from '../store/schema.js'
import { newAggregate } from '../store/aggregates.js'
import { decodeBucketsInto } from '../store/latency-histogram.js'
import type { Aggregate } from '../store/aggregates.js'
import { SUMMARY_COLUMNS } from '../store/read-sources.js'
import type { ExchangeRecord } from '../store/read-sources.js'
import type { AuditEvent } from './report-types.js'

/** A window in whole minutes: [sinceMinute, untilMinute). */
export interface MinuteWindow {
  sinceMinute: number
  untilMinute: number
}

/** A stored example candidate and the index of the file it came from. */
export type Candidate = ExchangeRecord & { source: number }

/** Learned noise of one endpoint, summed over files (src/store/learned-noise.ts). */
export interface LearnedEndpointNoise {
  /** Exchanges whose secondary answered. */
  exchanges: number
  /** Exchanges where primary and secondary differed, by `op \0 field`. */
  fields: Map<string, number>
}

export interface ReportData {
  endpoints: Map<string, Aggregate>
  timeline: Map<number, { compared: number; divergent: number }>
  candidates: Map<string, Candidate[]>
  events: AuditEvent[]
  /** Cumulative, not windowed: noise is a property of the primary's code. */
  learned: Map<string, LearnedEndpointNoise>
}

export function emptyReportData(): ReportData {
  return { endpoints: new Map(), timeline: new Map(), candidates: new Map(), events: [], learned: new Map() }
}

export function endpointKey(method: string, route: string): string {
  return `${method}\u0000${route}`
}

/**
 * Adds one database's data in `w` into `data`. `perEndpoint` bounds the
 * example candidates read per endpoint: each file's newest N contain the
 * merged newest N, so the merged choice equals a single file's.
 */
export function readReportData(db: Database, source: number, w: MinuteWindow, perEndpoint: number, data: ReportData): void {
  const params = [w.sinceMinute, w.untilMinute]
  const inWindow = 'minute >= ? AND minute < ?'
  const endpoint = (method: string, route: string): Aggregate => {
    const key = endpointKey(method, route)
    let a = data.endpoints.get(key)
    if (!a) data.endpoints.set(key, (a = newAggregate(0, method, route)))
    return a
  }

  const counterRows = db
    .prepare(
      `SELECT method, route, ${COUNTER_COLUMNS.map((c) => `sum(${c})`).join(', ')}, max(primary_max_us), max(candidate_max_us)
       FROM counters WHERE ${inWindow} GROUP BY method, route`,
    )
    .raw()
    .all(...params) as unknown[][]
  for (const row of counterRows) {
    const a = endpoint(row[0] as string, row[1] as string)
    COUNTER_COLUMNS.forEach((_, i) => (a.counters[i] += row[2 + i] as number))
    a.primaryMaxUs = Math.max(a.primaryMaxUs, row[2 + COUNTER_COLUMNS.length] as number)
    a.candidateMaxUs = Math.max(a.candidateMaxUs, row[3 + COUNTER_COLUMNS.length] as number)
  }

  const timelineRows = db
    .prepare(`SELECT minute, sum(compared) AS compared, sum(divergent) AS divergent FROM counters WHERE ${inWindow} GROUP BY minute`)
    .all(...params) as { minute: number; compared: number; divergent: number }[]
  for (const r of timelineRows) {
    const p = data.timeline.get(r.minute) ?? { compared: 0, divergent: 0 }
    p.compared += r.compared
    p.divergent += r.divergent
    data.timeline.set(r.minute, p)
  }

  const latencyRows = db
    .prepare(`SELECT method, route, side, buckets FROM latency WHERE ${inWindow}`)
    .iterate(...params) as IterableIterator<{ method: string; route: string; side: string; buckets: Buffer }>
  for (const r of latencyRows) {
    const a = endpoint(r.method, r.route)
    decodeBucketsInto(r.buckets, r.side === 'primary' ? a.primaryLatency : a.candidateLatency)
  }

  const fieldRows = db
    .prepare(
      `SELECT method, route, field, op, sum(count) AS count, sum(noise_count) AS noise
       FROM fields WHERE ${inWindow} GROUP BY method, route, field, op`,
    )
    .all(...params) as { method: string; route: string; field: string; op: string; count: number; noise: number }[]
  for (const r of fieldRows) {
    const a = endpoint(r.method, r.route)
    const key = `${r.op}\u0000${r.field}`
    const f = a.fields.get(key)
    if (f) {
      f.count += r.count
      f.noise += r.noise
    } else a.fields.set(key, { field: r.field, op: r.op, count: r.count, noise: r.noise })
  }

  readLearned(db, data.learned)

  const atParams = [w.sinceMinute * 60_000, w.untilMinute * 60_000].map(clampMs)
  if (perEndpoint > 0) {
    const candidateRows = db
      .prepare(
        `SELECT ${SUMMARY_COLUMNS} FROM (
           SELECT *, row_number() OVER (PARTITION BY method, route ORDER BY at DESC, id ASC) AS rn
           FROM exchanges WHERE at >= ? AND at < ?)
         WHERE rn <= ?`,
      )
      .all(...atParams, perEndpoint) as ExchangeRecord[]
    for (const r of candidateRows) {
      const key = endpointKey(r.method, r.route)
      const list = data.candidates.get(key) ?? []
      list.push({ ...r, source })
      data.candidates.set(key, list)
    }
  }

  const eventRows = db
    .prepare('SELECT at, type, actor, cause, data FROM events WHERE at >= ? AND at < ?')
    .all(...atParams) as { at: number; type: string; actor: string; cause: string; data: string | null }[]
  for (const e of eventRows) {
    data.events.push({
      at: new Date(e.at).toISOString(),
      type: e.type,
      actor: e.actor,
      cause: e.cause,
      ...(e.data !== null && { data: JSON.parse(e.data) as Record<string, unknown> }),
    })
  }
}

function readLearned(db: Database, into: Map<string, LearnedEndpointNoise>): void {
  const of = (method: string, route: string): LearnedEndpointNoise => {
    const key = endpointKey(method, route)
    let l = into.get(key)
    if (!l) into.set(key, (l = { exchanges: 0, fields: new Map() }))
    return l
  }
  const routes = db.prepare('SELECT method, route, exchanges FROM learned_noise_routes').all() as { method: string; route: string; exchanges: number }[]
  for (const r of routes) of(r.method, r.route).exchanges += r.exchanges
  const fields = db.prepare('SELECT method, route, field, op, observed FROM learned_noise').all() as {
    method: string
    route: string
    field: string
    op: string
    observed: number
  }[]
  for (const f of fields) {
    const l = of(f.method, f.route)
    const key = `${f.op}\u0000${f.field}`
    l.fields.set(key, (l.fields.get(key) ?? 0) + f.observed)
  }
}

/** Full rows (bodies included) of the chosen examples of one file. */
export function readExampleRows(db: Database, ids: readonly string[]): ExchangeRecord[] {
  if (ids.length === 0) return []
  return db.prepare(`SELECT * FROM exchanges WHERE id IN (${ids.map(() => '?').join(', ')})`).all(...ids) as ExchangeRecord[]
}

function clampMs(v: number): number {
  return Math.max(Number.MIN_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, v))
}

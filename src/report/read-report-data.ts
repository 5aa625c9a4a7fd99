/**
 * Reads the aggregates of one database within a window and adds them into
 * accumulators shared by every database of the report. Everything read is a
 * sum or a max, so adding files in any order gives the same totals.
 *
 * Exact to the second (issue 14): whole minutes inside the window come from
 * the minute tables, the partial minutes at its edges from the second tables
 * (schema.ts). Where an edge is older than the file's second rows
 * (`meta.seconds_from`: pruned after store.exactWindowHours, or recorded
 * before version 3), that edge widens to its whole minute and the effective
 * window says so (`exact: false`).
 */
import type { Database } from 'better-sqlite3'
import { COUNTER_COLUMNS, SECONDS_FROM_KEY } from '../store/schema.js'
import { newAggregate } from '../store/aggregates.js'
import { decodeBucketsInto } from '../store/latency-histogram.js'
import type { Aggregate } from '../store/aggregates.js'
import { SUMMARY_COLUMNS } from '../store/read-sources.js'
import type { ExchangeRecord } from '../store/read-sources.js'
import type { AuditEvent } from './report-types.js'

/** The window asked for, epoch ms: [since, until); undefined sides are unbounded. */
export interface ReadWindow {
  since?: number
  until?: number
}

/** The window the counts really cover, epoch ms (null = unbounded), and whether it is the one asked for, to the second. */
export interface EffectiveWindow {
  since: number | null
  until: number | null
  exact: boolean
}

/** One range of rows to read: `unit >= from AND unit < to` in the minute or the second tables. */
interface RowRange {
  unit: 'minute' | 'second'
  from: number
  to: number
}

const TABLES = {
  minute: { counters: 'counters', latency: 'latency', fields: 'fields' },
  second: { counters: 'second_counters', latency: 'second_latency', fields: 'second_fields' },
} as const

const UNBOUNDED = 1e12

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
 * Adds one database's data in `w` into `data` and returns the window its
 * counts cover. `perEndpoint` bounds the example candidates read per
 * endpoint: each file's newest N contain the merged newest N, so the merged
 * choice equals a single file's.
 */
export function readReportData(db: Database, source: number, w: ReadWindow, perEndpoint: number, data: ReportData): EffectiveWindow {
  const { ranges, effective } = planRanges(db, w)
  const endpoint = (method: string, route: string): Aggregate => {
    const key = endpointKey(method, route)
    let a = data.endpoints.get(key)
    if (!a) data.endpoints.set(key, (a = newAggregate(0, method, route)))
    return a
  }

  for (const r of ranges) {
    const t = TABLES[r.unit]
    const inRange = `${r.unit} >= ? AND ${r.unit} < ?`
    const params = [r.from, r.to]
    const counterRows = db
      .prepare(
        `SELECT method, route, ${COUNTER_COLUMNS.map((c) => `sum(${c})`).join(', ')}, max(primary_max_us), max(candidate_max_us)
         FROM ${t.counters} WHERE ${inRange} GROUP BY method, route`,
      )
      .raw()
      .all(...params) as unknown[][]
    for (const row of counterRows) {
      const a = endpoint(row[0] as string, row[1] as string)
      COUNTER_COLUMNS.forEach((_, i) => (a.counters[i] += row[2 + i] as number))
      a.primaryMaxUs = Math.max(a.primaryMaxUs, row[2 + COUNTER_COLUMNS.length] as number)
      a.candidateMaxUs = Math.max(a.candidateMaxUs, row[3 + COUNTER_COLUMNS.length] as number)
    }

    const minute = r.unit === 'minute' ? 'minute' : 'second / 60'
    const timelineRows = db
      .prepare(`SELECT ${minute} AS minute, sum(compared) AS compared, sum(divergent) AS divergent FROM ${t.counters} WHERE ${inRange} GROUP BY ${minute}`)
      .all(...params) as { minute: number; compared: number; divergent: number }[]
    for (const row of timelineRows) {
      const p = data.timeline.get(row.minute) ?? { compared: 0, divergent: 0 }
      p.compared += row.compared
      p.divergent += row.divergent
      data.timeline.set(row.minute, p)
    }

    const latencyRows = db
      .prepare(`SELECT method, route, side, buckets FROM ${t.latency} WHERE ${inRange}`)
      .iterate(...params) as IterableIterator<{ method: string; route: string; side: string; buckets: Buffer }>
    for (const row of latencyRows) {
      const a = endpoint(row.method, row.route)
      decodeBucketsInto(row.buckets, row.side === 'primary' ? a.primaryLatency : a.candidateLatency)
    }

    const fieldRows = db
      .prepare(
        `SELECT method, route, field, op, sum(count) AS count, sum(noise_count) AS noise
         FROM ${t.fields} WHERE ${inRange} GROUP BY method, route, field, op`,
      )
      .all(...params) as { method: string; route: string; field: string; op: string; count: number; noise: number }[]
    for (const row of fieldRows) {
      const a = endpoint(row.method, row.route)
      const key = `${row.op}\u0000${row.field}`
      const f = a.fields.get(key)
      if (f) {
        f.count += row.count
        f.noise += row.noise
      } else a.fields.set(key, { field: row.field, op: row.op, count: row.count, noise: row.noise })
    }
  }

  readLearned(db, data.learned)

  // Examples and events carry their own millisecond times: the same window as the counts.
  const atParams = [effective.since ?? -UNBOUNDED * 60_000, effective.until ?? UNBOUNDED * 60_000].map(clampMs)
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
  return effective
}

/**
 * Which rows cover `w`: whole minutes from the minute tables, partial edge
 * minutes from the second tables where this file has them, else the whole
 * edge minute (widening the effective window when that minute holds data).
 */
function planRanges(db: Database, w: ReadWindow): { ranges: RowRange[]; effective: EffectiveWindow } {
  const s0 = w.since === undefined ? null : Math.floor(w.since / 1000)
  const s1 = w.until === undefined ? null : Math.ceil(w.until / 1000)
  const secondsFrom = secondsFromOf(db)
  const hasMinute = db.prepare<[number], number>('SELECT 1 FROM counters WHERE minute = ? LIMIT 1').pluck()
  const ranges: RowRange[] = []
  let exact = true
  let since = s0
  let until = s1
  const edge = (minute: number, from: number, to: number): boolean => {
    // True when the edge is read from seconds (or holds nothing to read); false: take its whole minute.
    if (minute * 60 >= secondsFrom) {
      ranges.push({ unit: 'second', from, to })
      return true
    }
    if (hasMinute.get(minute) === undefined) return true
    exact = false
    return false
  }
  if (s0 !== null && s1 !== null && s1 > s0 && Math.floor(s0 / 60) === Math.floor((s1 - 1) / 60) && !(s0 % 60 === 0 && s1 - s0 === 60)) {
    // Inside one minute.
    const m = Math.floor(s0 / 60)
    if (!edge(m, s0, s1)) {
      ranges.push({ unit: 'minute', from: m, to: m + 1 })
      since = m * 60
      until = (m + 1) * 60
    }
  } else {
    let minuteFrom = -UNBOUNDED
    let minuteTo = UNBOUNDED
    if (s0 !== null) {
      minuteFrom = Math.ceil(s0 / 60)
      if (s0 % 60 !== 0 && !edge(minuteFrom - 1, s0, minuteFrom * 60)) {
        minuteFrom -= 1
        since = minuteFrom * 60
      }
    }
    if (s1 !== null) {
      minuteTo = Math.floor(s1 / 60)
      if (s1 % 60 !== 0 && !edge(minuteTo, minuteTo * 60, s1)) {
        minuteTo += 1
        until = minuteTo * 60
      }
    }
    if (minuteFrom < minuteTo) ranges.push({ unit: 'minute', from: minuteFrom, to: minuteTo })
  }
  return { ranges, effective: { since: since === null ? null : since * 1000, until: until === null ? null : until * 1000, exact } }
}

/** The epoch second from which this file's second rows are complete; Infinity for a file without them. */
function secondsFromOf(db: Database): number {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'second_counters'").get()
  if (table === undefined) return Infinity
  const v = db.prepare<[string], string>('SELECT value FROM meta WHERE key = ?').pluck().get(SECONDS_FROM_KEY)
  return v === undefined ? 0 : Number(v)
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

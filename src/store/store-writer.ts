/**
 * The prepared statements of the recorder, built once per connection, and
 * the one function that writes a batch inside a transaction. Every write is
 * an upsert that ADDS to the existing row, so a flush never reads.
 */
import type { Database, Statement } from 'better-sqlite3'
import { COUNTER_COLUMNS } from './schema.js'
import { aggregateKey, mergeAggregate, newAggregate } from './aggregates.js'
import type { Aggregate } from './aggregates.js'
import { decodeBucketsInto, encodeBuckets } from './latency-histogram.js'

/** A divergent exchange, redacted and truncated, ready to insert. */
export interface DetailRow {
  id: string
  at: number
  method: string
  url: string
  route: string
  signature: string
  primary_status: number | null
  candidate_status: number | null
  primary_latency_ms: number | null
  candidate_latency_ms: number | null
  kinds: string
  fields: string
  divergences: string
  rules: string
  request_headers: string
  request_body: Buffer | null
  primary_headers: string | null
  candidate_headers: string | null
  primary_body: Buffer | null
  candidate_body: Buffer | null
  primary_content_type: string | null
  candidate_content_type: string | null
  /** How the exchange was compared (ComparedAs as JSON), or null. */
  compared_as: string | null
}

export interface EventRow {
  at: number
  type: string
  actor: string
  cause: string
  data: string | null
}

export interface Batch {
  aggregates: Iterable<Aggregate>
  details: readonly DetailRow[]
  events: readonly EventRow[]
}

const DETAIL_COLUMNS = [
  'id', 'at', 'method', 'url', 'route', 'signature', 'primary_status', 'candidate_status',
  'primary_latency_ms', 'candidate_latency_ms', 'kinds', 'fields', 'divergences', 'rules',
  'request_headers', 'request_body', 'primary_headers', 'candidate_headers', 'primary_body',
  'candidate_body', 'primary_content_type', 'candidate_content_type', 'compared_as',
] as const

/** Builds the statements once; `write(batch)` runs one IMMEDIATE transaction. */
export function createWriter(db: Database, onDetailInserted?: (row: DetailRow) => void) {
  const minutes = aggregateStatements(db, 'minute', 'counters', 'latency', 'fields')
  const seconds = aggregateStatements(db, 'second', 'second_counters', 'second_latency', 'second_fields')
  const insertDetail: Statement<[DetailRow]> = db.prepare(
    `INSERT OR IGNORE INTO exchanges (${DETAIL_COLUMNS.join(', ')}) VALUES (${DETAIL_COLUMNS.map((c) => `@${c}`).join(', ')})`,
  )
  const insertEvent: Statement<[EventRow]> = db.prepare(
    'INSERT INTO events (at, type, actor, cause, data) VALUES (@at, @type, @actor, @cause, @data)',
  )

  const write = db.transaction((batch: Batch): number => {
    let rows = 0
    // Each (second, method, route) entry is written as it is, and added into its
    // minute's entry: both tables always hold the same exchanges (schema.ts).
    const byMinute = new Map<string, Aggregate>()
    for (const a of batch.aggregates) {
      rows += seconds.write(a, a.second)
      const key = aggregateKey(a.minute, a.method, a.route)
      const m = byMinute.get(key)
      if (m === undefined) {
        const copy = newAggregate(a.minute * 60, a.method, a.route)
        mergeAggregate(copy, a)
        byMinute.set(key, copy)
      } else mergeAggregate(m, a)
    }
    for (const m of byMinute.values()) rows += minutes.write(m, m.minute)
    for (const d of batch.details) {
      if (insertDetail.run(d).changes > 0) onDetailInserted?.(d)
    }
    for (const e of batch.events) insertEvent.run(e)
    return rows + batch.details.length + batch.events.length
  })

  return {
    /** Writes the batch in one IMMEDIATE transaction: all of it or none of it. Returns the rows written (upserted or inserted). */
    write(batch: Batch): number {
      return write.immediate(batch)
    },
  }
}

/**
 * The upserts of one granularity (minute or second tables): every counter a
 * SUM, the maxima a MAX, so a later port to another engine keeps one plain
 * `INSERT … ON CONFLICT DO UPDATE` per table.
 */
function aggregateStatements(db: Database, unit: 'minute' | 'second', counters: string, latency: string, fields: string) {
  const cols = COUNTER_COLUMNS.join(', ')
  const upsertCounters = db.prepare(
    `INSERT INTO ${counters} (${unit}, method, route, ${cols}, primary_max_us, candidate_max_us)
     VALUES (?, ?, ?, ${COUNTER_COLUMNS.map(() => '?').join(', ')}, ?, ?)
     ON CONFLICT (${unit}, method, route) DO UPDATE SET
       ${COUNTER_COLUMNS.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')},
       primary_max_us = max(primary_max_us, excluded.primary_max_us),
       candidate_max_us = max(candidate_max_us, excluded.candidate_max_us)`,
  )
  const readLatency = db.prepare<[number, string, string, string], Buffer>(
    `SELECT buckets FROM ${latency} WHERE ${unit} = ? AND method = ? AND route = ? AND side = ?`,
  ).pluck()
  const writeLatencyRow = db.prepare(`INSERT OR REPLACE INTO ${latency} (${unit}, method, route, side, buckets) VALUES (?, ?, ?, ?, ?)`)
  const insertLatencyRow = db.prepare(`INSERT OR IGNORE INTO ${latency} (${unit}, method, route, side, buckets) VALUES (?, ?, ?, ?, ?)`)
  const upsertField = db.prepare(
    `INSERT INTO ${fields} (${unit}, method, route, field, op, count, noise_count) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (${unit}, method, route, field, op) DO UPDATE SET
       count = count + excluded.count, noise_count = noise_count + excluded.noise_count`,
  )
  // A histogram is one blob per (unit, method, route, side): read, add, write back. A second's
  // row is almost always new (a flush covers about a second), so it is inserted first and read
  // back only when one already existed; a minute's row usually exists, so it is read first.
  const fresh = unit === 'second'
  const writeLatency = (key: number, a: Aggregate, side: string, buckets: Map<number, number>) => {
    if (buckets.size === 0) return 0
    if (fresh && insertLatencyRow.run(key, a.method, a.route, side, encodeBuckets(buckets)).changes > 0) return 1
    const stored = readLatency.get(key, a.method, a.route, side)
    let merged: Map<number, number> = buckets
    if (stored) {
      merged = new Map(buckets)
      decodeBucketsInto(stored, merged)
    }
    writeLatencyRow.run(key, a.method, a.route, side, encodeBuckets(merged))
    return 1
  }
  return {
    /** Returns the rows written. */
    write(a: Aggregate, key: number): number {
      upsertCounters.run(key, a.method, a.route, ...a.counters, a.primaryMaxUs, a.candidateMaxUs)
      let rows = 1 + writeLatency(key, a, 'primary', a.primaryLatency) + writeLatency(key, a, 'candidate', a.candidateLatency)
      for (const f of a.fields.values()) {
        upsertField.run(key, a.method, a.route, f.field, f.op, f.count, f.noise)
        rows++
      }
      return rows
    },
  }
}

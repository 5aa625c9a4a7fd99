/**
 * One flush into PostgreSQL: ONE multi-row statement per table
 * (`INSERT … SELECT FROM unnest($1::…[], …)`, one array per column), all in
 * one transaction, so a flush costs a handful of round trips whatever the
 * traffic, and a batch is written whole or not at all.
 *
 * Many instances upsert into the same (minute, method, route) rows: every
 * aggregate column is ADDED (`col = t.col + excluded.col`, histograms by
 * `shd_add_buckets`, maxima by GREATEST), so no instance's counts are lost,
 * and every statement takes its rows in key order (ORDER BY the primary key)
 * and the tables in one fixed order, so two flushes never lock the same rows
 * in opposite orders (no deadlocks between instances).
 */
import { aggregateKey, mergeAggregate, newAggregate } from '../aggregates.js'
import type { Aggregate } from '../aggregates.js'
import { COUNTER_COLUMNS } from '../schema.js'
import type { Batch } from '../store-writer.js'
import { randomUUID } from 'node:crypto'
import type { PgClient } from './pg-connection.js'

type Unit = 'minute' | 'second'

const TABLES: Record<Unit, { counters: string; latency: string; fields: string }> = {
  minute: { counters: 'counters', latency: 'latency', fields: 'fields' },
  second: { counters: 'second_counters', latency: 'second_latency', fields: 'second_fields' },
}

/** `$1::bigint[], $2::text[], …` for the given element types. */
function arrays(types: readonly string[]): string {
  return types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')
}

function countersSql(unit: Unit): string {
  const table = TABLES[unit].counters
  const cols = [unit, 'method', 'route', ...COUNTER_COLUMNS, 'primary_max_us', 'candidate_max_us']
  const types = ['bigint', 'text', 'text', ...COUNTER_COLUMNS.map(() => 'bigint'), 'bigint', 'bigint']
  return `INSERT INTO ${table} AS t (${cols.join(', ')})
    SELECT * FROM unnest(${arrays(types)}) AS u(${cols.join(', ')}) ORDER BY 1, 2, 3
    ON CONFLICT (${unit}, method, route) DO UPDATE SET
      ${COUNTER_COLUMNS.map((c) => `${c} = t.${c} + excluded.${c}`).join(', ')},
      primary_max_us = GREATEST(t.primary_max_us, excluded.primary_max_us),
      candidate_max_us = GREATEST(t.candidate_max_us, excluded.candidate_max_us)`
}

function latencySql(unit: Unit): string {
  const table = TABLES[unit].latency
  // A histogram travels as the text of an array literal ('{0,3,1}'): unnest of a
  // two-dimensional array would flatten it, and histograms differ in length.
  return `INSERT INTO ${table} AS t (${unit}, method, route, side, buckets)
    SELECT u.k, u.method, u.route, u.side, u.buckets::bigint[]
    FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[]) AS u(k, method, route, side, buckets) ORDER BY 1, 2, 3, 4
    ON CONFLICT (${unit}, method, route, side) DO UPDATE SET buckets = shd_add_buckets(t.buckets, excluded.buckets)`
}

function fieldsSql(unit: Unit): string {
  const table = TABLES[unit].fields
  return `INSERT INTO ${table} AS t (${unit}, method, route, field, op, count, noise_count)
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[])
      AS u(k, method, route, field, op, count, noise_count) ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (${unit}, method, route, field, op) DO UPDATE SET
      count = t.count + excluded.count, noise_count = t.noise_count + excluded.noise_count`
}

const DETAIL_COLUMNS = [
  ['id', 'text'], ['at', 'bigint'], ['method', 'text'], ['url', 'text'], ['route', 'text'], ['signature', 'text'],
  ['primary_status', 'integer'], ['candidate_status', 'integer'], ['primary_latency_ms', 'double precision'],
  ['candidate_latency_ms', 'double precision'], ['kinds', 'text'], ['fields', 'text'], ['divergences', 'text'],
  ['rules', 'text'], ['request_headers', 'text'], ['request_body', 'bytea'], ['primary_headers', 'text'],
  ['candidate_headers', 'text'], ['primary_body', 'bytea'], ['candidate_body', 'bytea'],
  ['primary_content_type', 'text'], ['candidate_content_type', 'text'], ['compared_as', 'text'],
] as const

const DETAILS_SQL = `INSERT INTO exchanges (${DETAIL_COLUMNS.map(([c]) => c).join(', ')})
  SELECT * FROM unnest(${arrays(DETAIL_COLUMNS.map(([, t]) => t))})
  ON CONFLICT (id) DO NOTHING`

const EVENTS_SQL = `INSERT INTO events (at, type, actor, cause, data)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS u(at, type, actor, cause, data, n) ORDER BY n`

/** A histogram (bucket → count) as the PostgreSQL array literal of its (bucket, count) pairs, buckets ascending: '{3,1,70,2}'. */
export function bucketsLiteral(buckets: ReadonlyMap<number, number>): string {
  const pairs = [...buckets].filter(([, n]) => n !== 0).sort((x, y) => x[0] - y[0])
  return `{${pairs.map(([b, n]) => `${b},${n}`).join(',')}}`
}

/** The columns of one granularity's rows, one array per column. */
function columnsOf(unit: Unit, entries: Iterable<Aggregate>) {
  const counters: unknown[][] = Array.from({ length: 5 + COUNTER_COLUMNS.length }, () => [])
  const latency: unknown[][] = [[], [], [], [], []]
  const fields: unknown[][] = [[], [], [], [], [], [], []]
  for (const a of entries) {
    const key = unit === 'minute' ? a.minute : a.second
    const row = [key, a.method, a.route, ...a.counters, a.primaryMaxUs, a.candidateMaxUs]
    row.forEach((v, i) => counters[i].push(v))
    for (const [side, buckets] of [['primary', a.primaryLatency], ['candidate', a.candidateLatency]] as const) {
      if (buckets.size === 0) continue
      ;[key, a.method, a.route, side, bucketsLiteral(buckets)].forEach((v, i) => latency[i].push(v))
    }
    for (const f of a.fields.values()) [key, a.method, a.route, f.field, f.op, f.count, f.noise].forEach((v, i) => fields[i].push(v))
  }
  return { counters, latency, fields }
}

/**
 * The COMMIT was sent but its answer never came (the connection dropped):
 * the batch may or may not be in the database. `flushId` tells which: it is
 * in `flushes` exactly when the batch committed.
 */
export class CommitUnknown extends Error {
  readonly flushId: string
  constructor(flushId: string, cause: unknown) {
    super(`the outcome of COMMIT is unknown (${(cause as Error).message})`, { cause })
    this.flushId = flushId
  }
}

/** Rows written by one flush, per kind (for the benchmark's rows/s). */
export interface WriteCounts {
  aggregateRows: number
  details: number
  events: number
}

/**
 * Writes `batch` in one transaction on `client`: second rows, then the same
 * exchanges added into their minutes (both always hold the same exchanges,
 * schema.ts), the divergent examples and the audit events.
 */
export async function writePgBatch(client: PgClient, batch: Batch, flushId: string = randomUUID()): Promise<WriteCounts> {
  const seconds: Aggregate[] = []
  const byMinute = new Map<string, Aggregate>()
  for (const a of batch.aggregates) {
    seconds.push(a)
    const key = aggregateKey(a.minute, a.method, a.route)
    let m = byMinute.get(key)
    if (m === undefined) byMinute.set(key, (m = newAggregate(a.minute * 60, a.method, a.route)))
    mergeAggregate(m, a)
  }
  let aggregateRows = 0
  await client.query('BEGIN')
  try {
    // Minutes before seconds, each in the one fixed table order: every instance locks rows in the same order.
    for (const [unit, entries] of [['minute', [...byMinute.values()]], ['second', seconds]] as const) {
      if (entries.length === 0) continue
      const cols = columnsOf(unit, entries)
      await client.query(countersSql(unit), cols.counters)
      aggregateRows += cols.counters[0].length
      if (cols.latency[0].length > 0) await client.query(latencySql(unit), cols.latency)
      aggregateRows += cols.latency[0].length
      if (cols.fields[0].length > 0) await client.query(fieldsSql(unit), cols.fields)
      aggregateRows += cols.fields[0].length
    }
    if (batch.details.length > 0) {
      await client.query(DETAILS_SQL, DETAIL_COLUMNS.map(([c]) => batch.details.map((d) => d[c])))
    }
    if (batch.events.length > 0) {
      const e = batch.events
      await client.query(EVENTS_SQL, [e.map((x) => x.at), e.map((x) => x.type), e.map((x) => x.actor), e.map((x) => x.cause), e.map((x) => x.data)])
    }
    await client.query('INSERT INTO flushes (id, at) VALUES ($1, $2)', [flushId, Date.now()])
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  }
  try {
    await client.query('COMMIT')
  } catch (err) {
    // A COMMIT the server refused (e.g. a serialization failure) has an SQLSTATE and did not commit;
    // a connection lost meanwhile has none, and the batch may have committed.
    if ((err as { code?: string }).code !== undefined && /^[0-9A-Z]{5}$/.test((err as { code: string }).code) && !(err as { code: string }).code.startsWith('57P')) throw err
    throw new CommitUnknown(flushId, err)
  }
  return { aggregateRows, details: batch.details.length, events: batch.events.length }
}

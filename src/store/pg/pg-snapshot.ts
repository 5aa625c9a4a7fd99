/**
 * Copies what one reader needs from PostgreSQL into a private SQLite file
 * of schema version 4, so the report, the gate, `diffs`, `rules explain`
 * and `rules suggest` run their existing (synchronous, tested) code on it:
 * the results over PostgreSQL equal those over SQLite by construction.
 *
 * Only the rows the reader's window can touch are copied: minute rows of
 * the window's minutes (its edge minutes whole, for a window that has to
 * widen to them), second rows of the two partial edge minutes only,
 * examples and events of the widened window, learned noise and `meta` whole.
 * Aggregate tables are read in slices of SLICE_MINUTES so memory stays
 * bounded whatever the window.
 */
import Sqlite from 'better-sqlite3'
import type { Database } from 'better-sqlite3'
import { COUNTER_COLUMNS, MIGRATIONS, SCHEMA_VERSION } from '../schema.js'
import { encodeBuckets } from '../latency-histogram.js'
import type { PgPool } from './pg-connection.js'

/** What a reader needs; every part defaults to true. */
export interface SnapshotScope {
  /** Epoch ms, inclusive (undefined: unbounded). */
  since?: number
  /** Epoch ms, exclusive. */
  until?: number
  /** counters, latency, fields and their second rows (reports, gates). */
  aggregates?: boolean
  /** Divergent examples of the window. */
  exchanges?: boolean
  /** Only this example (rules explain): nothing else of the exchanges table. */
  exchangeId?: string
  events?: boolean
  learned?: boolean
}

/** Rows copied, per table kind (the measured cost of a snapshot). */
export interface SnapshotCounts {
  minuteRows: number
  secondRows: number
  exchanges: number
  events: number
  learned: number
}

const SLICE_MINUTES = 360
const UNBOUNDED = 1e12

/** Creates `file` (schema V4, no journal: a private, throwaway copy) and fills it from `pool`. */
export async function snapshotPg(pool: PgPool, file: string, scope: SnapshotScope = {}): Promise<SnapshotCounts> {
  const db = new Sqlite(file)
  const counts: SnapshotCounts = { minuteRows: 0, secondRows: 0, exchanges: 0, events: 0, learned: 0 }
  try {
    db.pragma('journal_mode = OFF')
    db.pragma('synchronous = OFF')
    db.transaction(() => {
      for (const m of MIGRATIONS) db.exec(m)
      db.pragma(`user_version = ${SCHEMA_VERSION}`)
    })()
    const meta = await pool.query<{ key: string; value: string }>('SELECT key, value FROM meta')
    const putMeta = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)')
    db.transaction(() => meta.rows.forEach((r) => putMeta.run(r.key, r.value)))()

    // The window's minutes, widened to whole minutes at both edges.
    const m0 = scope.since === undefined ? -UNBOUNDED : Math.floor(Math.floor(scope.since / 1000) / 60)
    const m1 = scope.until === undefined ? UNBOUNDED : Math.floor(Math.ceil(scope.until / 1000) / 60) + 1
    if (scope.aggregates !== false && scope.exchangeId === undefined) {
      counts.minuteRows = await copyAggregates(pool, db, 'minute', m0, m1)
      // Seconds only of the partial edge minutes, and only inside the window: the reader
      // (read-report-data.ts planRanges) takes whole minutes from the minute rows.
      const s0 = scope.since === undefined ? null : Math.floor(scope.since / 1000)
      const s1 = scope.until === undefined ? null : Math.ceil(scope.until / 1000)
      const edges = new Map<string, [number, number]>()
      const edge = (from: number, to: number) => to > from && edges.set(`${from}:${to}`, [from, to])
      // An edge on a minute boundary needs no seconds.
      if (s0 !== null && s0 % 60 !== 0) edge(s0, Math.min(Math.floor(s0 / 60) * 60 + 60, s1 ?? Infinity))
      if (s1 !== null && s1 % 60 !== 0) edge(Math.max(Math.floor(s1 / 60) * 60, s0 ?? -Infinity), s1)
      // A window inside one minute gives the same range twice: copied once.
      for (const [from, to] of edges.values()) counts.secondRows += await copyAggregates(pool, db, 'second', from, to)
    }
    const at0 = Math.max(Number.MIN_SAFE_INTEGER, m0 * 60_000)
    const at1 = Math.min(Number.MAX_SAFE_INTEGER, m1 * 60_000)
    if (scope.exchangeId !== undefined) {
      counts.exchanges = await copyRows(pool, db, 'exchanges', 'SELECT * FROM exchanges WHERE id = $1', [scope.exchangeId])
    } else if (scope.exchanges !== false) {
      counts.exchanges = await copyRows(pool, db, 'exchanges', 'SELECT * FROM exchanges WHERE at >= $1 AND at < $2 ORDER BY at, id', [at0, at1])
    }
    if (scope.events !== false && scope.exchangeId === undefined) {
      counts.events = await copyRows(pool, db, 'events', 'SELECT at, type, actor, cause, data FROM events WHERE at >= $1 AND at < $2 ORDER BY seq', [at0, at1])
    }
    if (scope.learned !== false && scope.exchangeId === undefined) {
      counts.learned = await copyRows(pool, db, 'learned_noise_routes', 'SELECT * FROM learned_noise_routes', [])
      counts.learned += await copyRows(pool, db, 'learned_noise', 'SELECT * FROM learned_noise', [])
    }
    await copyOptional(pool, db)
    return counts
  } finally {
    db.close()
  }
}

/** Minute or second rows of [from, to), slice by slice; returns the rows copied. */
async function copyAggregates(pool: PgPool, db: Database, unit: 'minute' | 'second', from: number, to: number): Promise<number> {
  const prefix = unit === 'second' ? 'second_' : ''
  const bounds = await pool.query<{ lo: string | null; hi: string | null }>(
    `SELECT min(${unit})::text AS lo, max(${unit})::text AS hi FROM ${prefix}counters WHERE ${unit} >= $1 AND ${unit} < $2`,
    [from, to],
  )
  const lo = bounds.rows[0].lo
  const hi = bounds.rows[0].hi
  if (lo === null || hi === null) return 0
  const step = unit === 'minute' ? SLICE_MINUTES : SLICE_MINUTES * 60
  let copied = 0
  for (let a = Number(lo); a <= Number(hi); a += step) {
    const b = Math.min(a + step, to)
    const cols = `${unit}, method, route, ${COUNTER_COLUMNS.join(', ')}, primary_max_us, candidate_max_us`
    copied += await copyRows(pool, db, `${prefix}counters`, `SELECT ${cols} FROM ${prefix}counters WHERE ${unit} >= $1 AND ${unit} < $2`, [a, b])
    copied += await copyRows(pool, db, `${prefix}latency`, `SELECT ${unit}, method, route, side, buckets FROM ${prefix}latency WHERE ${unit} >= $1 AND ${unit} < $2`, [a, b], latencyRow)
    copied += await copyRows(pool, db, `${prefix}fields`, `SELECT ${unit}, method, route, field, op, count, noise_count FROM ${prefix}fields WHERE ${unit} >= $1 AND ${unit} < $2`, [a, b])
  }
  return copied
}

/** A histogram of (bucket, count) pairs (strings, as pg returns int8) back to the varint blob of SQLite. */
function latencyRow(row: Record<string, unknown>): Record<string, unknown> {
  const pairs = row.buckets as (string | number)[]
  const buckets = new Map<number, number>()
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const n = Number(pairs[i + 1])
    if (n !== 0) buckets.set(Number(pairs[i]), n)
  }
  return { ...row, buckets: encodeBuckets(buckets) }
}

/**
 * Runs `sql` on PostgreSQL and inserts its rows into the SQLite table of the
 * same name, column for column.
 */
async function copyRows(
  pool: PgPool,
  db: Database,
  table: string,
  sql: string,
  params: unknown[],
  map?: (row: Record<string, unknown>) => Record<string, unknown>,
): Promise<number> {
  const result = await pool.query(sql, params)
  if (result.rows.length === 0) return 0
  const cols = result.fields.map((f) => f.name)
  // int8 arrives as a string (pg keeps 64 bits exact); the values stored here fit a double.
  const int8 = new Set(result.fields.filter((f) => f.dataTypeID === INT8_OID).map((f) => f.name))
  const insert = db.prepare(`INSERT OR REPLACE INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`)
  db.transaction(() => {
    for (const raw of result.rows as Record<string, unknown>[]) {
      const row = map ? map(raw) : raw
      insert.run(...cols.map((c) => (row[c] == null ? null : int8.has(c) ? Number(row[c]) : row[c])))
    }
  })()
  return result.rows.length
}

/** PostgreSQL's type OID of bigint. */
const INT8_OID = 20

/**
 * The saved traffic state, when the control plane keeps it in this
 * database as a `split_traffic` row (src/split/promotion-store.ts's shape):
 * the report shows the mode the fleet runs in.
 */
async function copyOptional(pool: PgPool, db: Database): Promise<void> {
  const exists = await pool.query<{ t: string | null }>(`SELECT to_regclass('split_traffic')::text AS t`)
  if (exists.rows[0]?.t == null) return
  const cols = await pool.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_name = 'split_traffic' AND table_schema = current_schema()`,
  )
  const names = new Set(cols.rows.map((r) => r.column_name))
  if (!['id', 'version', 'state', 'updated_at'].every((c) => names.has(c))) return
  db.exec(`CREATE TABLE IF NOT EXISTS split_traffic (id INTEGER PRIMARY KEY, version INTEGER NOT NULL, state TEXT NOT NULL, updated_at INTEGER NOT NULL)`)
  await copyRows(pool, db, 'split_traffic', 'SELECT id, version, state, updated_at FROM split_traffic', [])
}

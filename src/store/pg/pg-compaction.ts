/**
 * Compaction: adds what the fleet's flushes appended to the pending tables
 * (pg-writer.ts) into the shared second and minute rows, and deletes it, in
 * one transaction, so every pending row is counted exactly once: in the
 * pending table before, in the shared rows after.
 *
 * The work is cut into parts, one per table and hash of the route
 * (PARTITIONS per table), each with a transaction-level advisory lock of
 * its own: one compactor per part at a time, and as many parts in parallel
 * as instances try (a fleet's compaction uses several of PostgreSQL's
 * cores). An instance tries every part after its flushes (how often:
 * pg-engine.ts), starting at a random one, and skips a part another is at (that one, or the next,
 * takes the rows); a reader waits for each part's lock and compacts it
 * first, so a report or a gate sees every row flushed before it started. Only compactors and retention ever touch the shared rows, so a
 * fleet's flushes never queue on one another's row locks, however many
 * instances add into the same seconds and routes (docs/scaling.md).
 *
 * Each statement takes the pending rows it deletes (`DELETE … RETURNING`
 * sees only rows committed before it began: a flush committing meanwhile is
 * left for the next compaction), sums them per second, upserts the seconds,
 * then sums the seconds per minute and upserts the minutes, in key order.
 */
import { COUNTER_COLUMNS } from '../schema.js'
import { ADVISORY_LOCKS } from './pg-connection.js'
import type { PgClient } from './pg-connection.js'

/** Parts per pending table: rows go to part hashtext(route) & (PARTITIONS - 1). */
export const PARTITIONS = 4

/** An instance's pass leaves a part alone when it was compacted less than this ago, in ms. */
export const MIN_PART_INTERVAL_MS = 500

const SUMS = COUNTER_COLUMNS.map((c) => `sum(${c}) AS ${c}`).join(', ')
const ADDS = COUNTER_COLUMNS.map((c) => `${c} = t.${c} + excluded.${c}`).join(', ')
const COLS = [...COUNTER_COLUMNS, 'primary_max_us', 'candidate_max_us'].join(', ')

const COUNTERS_SQL = (lock: string) => `
WITH ${lock},
moved AS (DELETE FROM pending_counters WHERE (SELECT ok FROM lock) AND (hashtext(route) & ${PARTITIONS - 1}) = $1 RETURNING *),
s AS (
  SELECT second, method, route, ${SUMS}, max(primary_max_us) AS primary_max_us, max(candidate_max_us) AS candidate_max_us
  FROM moved GROUP BY second, method, route
),
seconds AS (
  INSERT INTO second_counters AS t (second, method, route, ${COLS})
  SELECT * FROM s ORDER BY 1, 2, 3
  ON CONFLICT (second, method, route) DO UPDATE SET ${ADDS},
    primary_max_us = GREATEST(t.primary_max_us, excluded.primary_max_us),
    candidate_max_us = GREATEST(t.candidate_max_us, excluded.candidate_max_us)
),
minutes AS (
  INSERT INTO counters AS t (minute, method, route, ${COLS})
SELECT second / 60, method, route, ${SUMS}, max(primary_max_us), max(candidate_max_us)
FROM s GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
ON CONFLICT (minute, method, route) DO UPDATE SET ${ADDS},
  primary_max_us = GREATEST(t.primary_max_us, excluded.primary_max_us),
  candidate_max_us = GREATEST(t.candidate_max_us, excluded.candidate_max_us)
)
SELECT coalesce((SELECT got FROM held), false) AS got, coalesce((SELECT ok FROM lock), false) AS ok, (SELECT count(*) FROM moved)::int AS moved`

const LATENCY_SQL = (lock: string) => `
WITH ${lock},
moved AS (DELETE FROM pending_latency WHERE (SELECT ok FROM lock) AND (hashtext(route) & ${PARTITIONS - 1}) = $1 RETURNING *),
s AS (SELECT second, method, route, side, shd_sum_buckets(buckets) AS buckets FROM moved GROUP BY second, method, route, side),
seconds AS (
  INSERT INTO second_latency AS t (second, method, route, side, buckets)
  SELECT * FROM s ORDER BY 1, 2, 3, 4
  ON CONFLICT (second, method, route, side) DO UPDATE SET buckets = shd_add_buckets(t.buckets, excluded.buckets)
),
minutes AS (
  INSERT INTO latency AS t (minute, method, route, side, buckets)
SELECT second / 60, method, route, side, shd_sum_buckets(buckets) FROM s GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
ON CONFLICT (minute, method, route, side) DO UPDATE SET buckets = shd_add_buckets(t.buckets, excluded.buckets)
)
SELECT coalesce((SELECT got FROM held), false) AS got, coalesce((SELECT ok FROM lock), false) AS ok, (SELECT count(*) FROM moved)::int AS moved`

const FIELDS_SQL = (lock: string) => `
WITH ${lock},
moved AS (DELETE FROM pending_fields WHERE (SELECT ok FROM lock) AND (hashtext(route) & ${PARTITIONS - 1}) = $1 RETURNING *),
s AS (
  SELECT second, method, route, field, op, sum(count) AS count, sum(noise_count) AS noise_count
  FROM moved GROUP BY second, method, route, field, op
),
seconds AS (
  INSERT INTO second_fields AS t (second, method, route, field, op, count, noise_count)
  SELECT * FROM s ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (second, method, route, field, op) DO UPDATE SET count = t.count + excluded.count, noise_count = t.noise_count + excluded.noise_count
),
minutes AS (
  INSERT INTO fields AS t (minute, method, route, field, op, count, noise_count)
SELECT second / 60, method, route, field, op, sum(count), sum(noise_count) FROM s GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
ON CONFLICT (minute, method, route, field, op) DO UPDATE SET count = t.count + excluded.count, noise_count = t.noise_count + excluded.noise_count
)
SELECT coalesce((SELECT got FROM held), false) AS got, coalesce((SELECT ok FROM lock), false) AS ok, (SELECT count(*) FROM moved)::int AS moved`

const TABLE_SQL = [COUNTERS_SQL, LATENCY_SQL, FIELDS_SQL]

/** What one compaction pass did. */
export interface CompactResult {
  /** Parts compacted. */
  compacted: number
  /** Parts skipped because another compactor held them (never with `wait`). */
  skipped: number
  /** Parts left alone because another compactor compacted them less than MIN_PART_INTERVAL_MS ago. */
  recent: number
  /** Pending rows folded into the shared ones. */
  moved: number
}

/**
 * Compacts every pending row committed so far, part by part, each in its
 * own statement. With `wait: false` it skips a part another compactor
 * holds; with `wait: true` (readers) it waits for it.
 */
export async function compactPending(client: PgClient, opts: { wait: boolean }): Promise<CompactResult> {
  const result: CompactResult = { compacted: 0, skipped: 0, recent: 0, moved: 0 }
  const parts = TABLE_SQL.length * PARTITIONS
  // Instances start at different parts, so that concurrent ones spread out instead of queueing on part 0.
  const first = opts.wait ? 0 : Math.floor(Math.random() * parts)
  for (let n = 0; n < parts; n++) {
    const part = (first + n) % parts
    const table = Math.floor(part / PARTITIONS)
    const partition = part % PARTITIONS
    const outcome = await compactPart(client, TABLE_SQL[table], part, partition, opts.wait)
    if (outcome === 'busy') result.skipped++
    else if (outcome === 'recent') result.recent++
    else {
      result.compacted++
      result.moved += outcome.moved
    }
  }
  return result
}

/**
 * One part in ONE statement (so one round trip, its own transaction). The
 * gate is inside it: the part's advisory lock (`pg_try_advisory_xact_lock`,
 * the waiting form for readers), then its row of `compaction_parts`, which
 * an instance's pass only claims when the part was last compacted more than
 * MIN_PART_INTERVAL ago (readers always claim it): however many instances
 * try, each part is compacted a few times a second at most. When the gate
 * is shut, the DELETE's one-time filter is false and nothing is scanned.
 * Rows another compactor deleted after this statement's snapshot are skipped
 * by the DELETE (READ COMMITTED re-checks them), so a row is never counted
 * twice.
 */
async function compactPart(client: PgClient, sql: (gate: string) => string, part: number, partition: number, wait: boolean): Promise<PartOutcome> {
  const gate = wait
    ? `held AS (SELECT true AS got FROM pg_advisory_xact_lock($2)),
lock AS (UPDATE compaction_parts SET last_at = clock_timestamp() WHERE part = $3 RETURNING true AS ok)`
    : `held AS (SELECT pg_try_advisory_xact_lock($2) AS got),
lock AS (UPDATE compaction_parts SET last_at = clock_timestamp()
  WHERE part = $3 AND (SELECT got FROM held) AND last_at < clock_timestamp() - interval '${MIN_PART_INTERVAL_MS} milliseconds' RETURNING true AS ok)`
  const result = await client.query<{ got: boolean; ok: boolean; moved: number }>(sql(gate), [partition, ADVISORY_LOCKS.compact + part, part])
  const row = result.rows[0]
  return row.ok ? { moved: row.moved } : row.got ? 'recent' : 'busy'
}

type PartOutcome = { moved: number } | 'busy' | 'recent'

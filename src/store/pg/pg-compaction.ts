/**
 * Compaction: adds what the fleet's flushes appended to the pending tables
 * (pg-writer.ts) into the shared second and minute rows, and deletes it, in
 * one transaction, so every pending row is counted exactly once: in the
 * pending table before, in the shared rows after.
 *
 * One compactor at a time (a transaction-level advisory lock). An instance
 * tries after each of its flushes and skips when another is at it (that
 * one, or the next, takes the rows); a reader waits for the lock and
 * compacts first, so a report or a gate sees every row flushed before it
 * started. Only compactors and retention ever touch the shared rows, so a
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

const SUMS = COUNTER_COLUMNS.map((c) => `sum(${c}) AS ${c}`).join(', ')
const ADDS = COUNTER_COLUMNS.map((c) => `${c} = t.${c} + excluded.${c}`).join(', ')
const COLS = [...COUNTER_COLUMNS, 'primary_max_us', 'candidate_max_us'].join(', ')

const COUNTERS_SQL = `
WITH moved AS (DELETE FROM pending_counters RETURNING *),
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
)
INSERT INTO counters AS t (minute, method, route, ${COLS})
SELECT second / 60, method, route, ${SUMS}, max(primary_max_us), max(candidate_max_us)
FROM s GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
ON CONFLICT (minute, method, route) DO UPDATE SET ${ADDS},
  primary_max_us = GREATEST(t.primary_max_us, excluded.primary_max_us),
  candidate_max_us = GREATEST(t.candidate_max_us, excluded.candidate_max_us)`

const LATENCY_SQL = `
WITH moved AS (DELETE FROM pending_latency RETURNING *),
s AS (SELECT second, method, route, side, shd_sum_buckets(buckets) AS buckets FROM moved GROUP BY second, method, route, side),
seconds AS (
  INSERT INTO second_latency AS t (second, method, route, side, buckets)
  SELECT * FROM s ORDER BY 1, 2, 3, 4
  ON CONFLICT (second, method, route, side) DO UPDATE SET buckets = shd_add_buckets(t.buckets, excluded.buckets)
)
INSERT INTO latency AS t (minute, method, route, side, buckets)
SELECT second / 60, method, route, side, shd_sum_buckets(buckets) FROM s GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
ON CONFLICT (minute, method, route, side) DO UPDATE SET buckets = shd_add_buckets(t.buckets, excluded.buckets)`

const FIELDS_SQL = `
WITH moved AS (DELETE FROM pending_fields RETURNING *),
s AS (
  SELECT second, method, route, field, op, sum(count) AS count, sum(noise_count) AS noise_count
  FROM moved GROUP BY second, method, route, field, op
),
seconds AS (
  INSERT INTO second_fields AS t (second, method, route, field, op, count, noise_count)
  SELECT * FROM s ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (second, method, route, field, op) DO UPDATE SET count = t.count + excluded.count, noise_count = t.noise_count + excluded.noise_count
)
INSERT INTO fields AS t (minute, method, route, field, op, count, noise_count)
SELECT second / 60, method, route, field, op, sum(count), sum(noise_count) FROM s GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
ON CONFLICT (minute, method, route, field, op) DO UPDATE SET count = t.count + excluded.count, noise_count = t.noise_count + excluded.noise_count`

/**
 * Compacts every pending row committed so far. With `wait: false` it gives
 * up at once when another compactor holds the lock (returns false); with
 * `wait: true` (readers) it waits for it. Returns true when it compacted.
 */
export async function compactPending(client: PgClient, opts: { wait: boolean }): Promise<boolean> {
  await client.query('BEGIN')
  try {
    if (opts.wait) await client.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCKS.compact])
    else {
      const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [ADVISORY_LOCKS.compact])
      if (!got.rows[0].ok) {
        await client.query('ROLLBACK')
        return false
      }
    }
    // One table after the other, in one fixed order, as every compactor does.
    await client.query(COUNTERS_SQL)
    await client.query(LATENCY_SQL)
    await client.query(FIELDS_SQL)
    await client.query('COMMIT')
    return true
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  }
}

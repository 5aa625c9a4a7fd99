/**
 * Retention in the shared database, the same rules as SQLite's
 * (src/store/retention.ts): second rows older than exactWindowHours, every
 * row older than retainDays, the oldest examples above maxDbMb, and at most
 * maxExamplesPerSignature examples per (method, route, signature). Every
 * step is a bounded, idempotent DELETE: N instances running it at once only
 * repeat each other's work, and `seconds_from` only ever moves forward
 * (GREATEST), in the same transaction as the deletes it announces.
 */
import { MINUTE_MS } from '../aggregates.js'
import type { RetentionOptions } from '../retention.js'
import { SECONDS_FROM_KEY } from '../schema.js'
import type { PgClient, PgPool } from './pg-connection.js'

const AGGREGATES = ['counters', 'latency', 'fields'] as const
const SECONDS = ['second_counters', 'second_latency', 'second_fields'] as const

/** True when a step has work to look for (the checks themselves are cheap index lookups). */
export function pgPruneDue(opts: Required<RetentionOptions>): boolean {
  return opts.retainDays > 0 || opts.maxDbMb > 0 || opts.exactWindowHours > 0 || opts.maxExamplesPerSignature > 0
}

/** One bounded prune step in one transaction; returns the rows deleted. */
export async function pgPruneStep(pool: PgPool, opts: Required<RetentionOptions>, now: number): Promise<number> {
  const client = await pool.connect()
  const ignore = () => {}
  client.on('error', ignore)
  let broken: Error | undefined
  try {
    await client.query('BEGIN')
    let deleted = 0
    try {
      if (opts.exactWindowHours > 0) {
        deleted += await dropSecondsBefore(client, Math.floor((now - opts.exactWindowHours * 3_600_000) / MINUTE_MS) * 60, opts.pruneBatch * 20)
      }
      if (opts.retainDays > 0) {
        // Whole minutes, like the aggregates, so a window never sees counts without their examples.
        const cutoffMinute = Math.floor((now - opts.retainDays * 86_400_000) / MINUTE_MS)
        for (const t of AGGREGATES) deleted += await bounded(client, t, 'minute < $1', [cutoffMinute], opts.pruneBatch)
        deleted += await dropSecondsBefore(client, cutoffMinute * 60, opts.pruneBatch * 20)
        deleted += await bounded(client, 'exchanges', 'at < $1', [cutoffMinute * MINUTE_MS], opts.pruneBatch)
      }
      if (opts.maxDbMb > 0) {
        const size = await client.query<{ n: string }>('SELECT pg_database_size(current_database()) AS n')
        if (Number(size.rows[0].n) > opts.maxDbMb * 1024 * 1024) {
          const r = await client.query(`DELETE FROM exchanges WHERE ctid = ANY (ARRAY(SELECT ctid FROM exchanges ORDER BY at LIMIT ${opts.pruneBatch}))`)
          deleted += r.rowCount ?? 0
        }
      }
      // A flush's id is only looked up right after its COMMIT answer was lost: a day is plenty.
      deleted += await bounded(client, 'flushes', 'at < $1', [now - 86_400_000], opts.pruneBatch * 20)
      if (opts.maxExamplesPerSignature > 0) {
        const r = await client.query(
          `DELETE FROM exchanges WHERE id IN (
             SELECT id FROM (
               SELECT id, row_number() OVER (PARTITION BY method, route, signature ORDER BY at DESC, id DESC) AS rn FROM exchanges
             ) AS ranked WHERE rn > $1 LIMIT ${opts.pruneBatch})`,
          [opts.maxExamplesPerSignature],
        )
        deleted += r.rowCount ?? 0
      }
      await client.query('COMMIT')
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {})
      throw err
    }
    return deleted
  } catch (err) {
    broken = err as Error
    throw err
  } finally {
    client.off('error', ignore)
    client.release(broken)
  }
}

/** Moves `seconds_from` forward to `cutoff` (never back) and deletes second rows below it. */
async function dropSecondsBefore(client: PgClient, cutoff: number, limit: number): Promise<number> {
  await client.query(
    `INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE
       SET value = GREATEST(meta.value::bigint, excluded.value::bigint)::text`,
    [SECONDS_FROM_KEY, String(cutoff)],
  )
  let deleted = 0
  for (const t of SECONDS) deleted += await bounded(client, t, 'second < $1', [cutoff], limit)
  return deleted
}

async function bounded(client: PgClient, table: string, where: string, params: unknown[], limit: number): Promise<number> {
  const r = await client.query(`DELETE FROM ${table} WHERE ctid = ANY (ARRAY(SELECT ctid FROM ${table} WHERE ${where} LIMIT ${limit}))`, params)
  return r.rowCount ?? 0
}

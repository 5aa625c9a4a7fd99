/**
 * Retention: keeps a long-running proxy's file bounded. Pruning runs in
 * small steps after flushes (a few hundred rows at a time) so no single
 * flush holds the event loop for long; freed pages go back to the file
 * system through `PRAGMA incremental_vacuum` (auto_vacuum is INCREMENTAL).
 */
import type { Database } from 'better-sqlite3'
import { ConfigInvalid } from '../errors.js'
import { MINUTE_MS } from './aggregates.js'
import { SECONDS_FROM_KEY } from './schema.js'
import type { DetailRow } from './store-writer.js'

export interface RetentionOptions {
  /** Delete aggregates and exchanges older than this many days (0 = keep forever, the default). */
  retainDays?: number
  /** Above this many MiB of used pages, delete the oldest exchanges, then the oldest aggregates (0 = no cap, the default). */
  maxDbMb?: number
  /**
   * Most stored examples per (method, route, signature), where the signature
   * is the set of differing fields; beyond it the oldest is replaced (default
   * 500, 0 = no cap). Counts are never capped, only stored details.
   */
  maxExamplesPerSignature?: number
  /**
   * Hours of per-second aggregates kept (default 2; 0 = as long as the minute
   * rows). Windows whose edges are older fall back to whole minutes there.
   */
  exactWindowHours?: number
  /** Least time between two prune steps in ms (default 60000). */
  pruneIntervalMs?: number
  /** Most rows deleted per table per step (default 500). */
  pruneBatch?: number
}

export const RETENTION_DEFAULTS: Required<RetentionOptions> = {
  retainDays: 0,
  maxDbMb: 0,
  maxExamplesPerSignature: 500,
  exactWindowHours: 2,
  pruneIntervalMs: 60_000,
  pruneBatch: 500,
}

/** Validates retention options, naming the key and the value received. */
export function resolveRetention(opts: RetentionOptions = {}): Required<RetentionOptions> {
  const out = { ...RETENTION_DEFAULTS, ...opts }
  for (const key of Object.keys(RETENTION_DEFAULTS) as (keyof RetentionOptions)[]) {
    const v = out[key]
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new ConfigInvalid(`store.retention.${key} must be a non-negative number, got ${JSON.stringify(opts[key])}`)
    }
  }
  return out
}

/** Prepared once per connection; `step(now)` deletes at most `pruneBatch` rows per table. */
export function createRetention(db: Database, opts: Required<RetentionOptions>) {
  const batch = opts.pruneBatch
  const aggregateTables = ['counters', 'latency', 'fields'] as const
  const pk = { counters: 'minute, method, route', latency: 'minute, method, route, side', fields: 'minute, method, route, field, op' }
  const deleteOldAggregates = aggregateTables.map((t) =>
    db.prepare(`DELETE FROM ${t} WHERE (${pk[t]}) IN (SELECT ${pk[t]} FROM ${t} WHERE minute < ? LIMIT ${batch})`),
  )
  const deleteOldExchanges = db.prepare(`DELETE FROM exchanges WHERE id IN (SELECT id FROM exchanges WHERE at < ? ORDER BY at LIMIT ${batch})`)
  const deleteOldestExchanges = db.prepare(`DELETE FROM exchanges WHERE id IN (SELECT id FROM exchanges ORDER BY at LIMIT ${batch})`)
  const oldestMinute = db.prepare<[], number | null>('SELECT min(minute) FROM counters').pluck()
  // Second rows go by whole minutes, and `seconds_from` moves first, in the same
  // transaction: a reader never takes a minute's seconds while some are gone.
  const secondTables = ['second_counters', 'second_latency', 'second_fields'] as const
  const spk = { second_counters: 'second, method, route', second_latency: 'second, method, route, side', second_fields: 'second, method, route, field, op' }
  const secondsBatch = batch * 20
  const deleteOldSeconds = secondTables.map((t) =>
    db.prepare(`DELETE FROM ${t} WHERE (${spk[t]}) IN (SELECT ${spk[t]} FROM ${t} WHERE second < ? LIMIT ${secondsBatch})`),
  )
  const readSecondsFrom = db.prepare<[], string | undefined>(`SELECT value FROM meta WHERE key = '${SECONDS_FROM_KEY}'`).pluck()
  const writeSecondsFrom = db.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES ('${SECONDS_FROM_KEY}', ?)`)
  /** Forgets second rows below `cutoffSecond` (a minute boundary); returns the rows deleted. */
  const dropSecondsBefore = (cutoffSecond: number): number => {
    const from = Number(readSecondsFrom.get() ?? 0)
    if (cutoffSecond > from) writeSecondsFrom.run(String(cutoffSecond))
    let deleted = 0
    for (const stmt of deleteOldSeconds) deleted += stmt.run(cutoffSecond).changes
    return deleted
  }
  const countSignature = db.prepare<[string, string, string], number>('SELECT count(*) FROM exchanges WHERE method = ? AND route = ? AND signature = ?').pluck()
  const deleteOldestOfSignature = db.prepare(
    'DELETE FROM exchanges WHERE id = (SELECT id FROM exchanges WHERE method = ? AND route = ? AND signature = ? ORDER BY at, id LIMIT 1)',
  )
  // Stored examples per signature, loaded on first sight and kept in step with inserts.
  const perSignature = new Map<string, number>()

  const usedBytes = () => {
    const pages = db.pragma('page_count', { simple: true }) as number
    const free = db.pragma('freelist_count', { simple: true }) as number
    return (pages - free) * (db.pragma('page_size', { simple: true }) as number)
  }

  const oldestSecond = db.prepare<[], number | null>('SELECT min(second) FROM second_counters').pluck()
  const secondsCutoff = (now: number) => Math.floor((now - opts.exactWindowHours * 3_600_000) / MINUTE_MS) * 60

  return {
    /**
     * True when a prune step has work: retention or a size cap is set, or
     * second rows older than exactWindowHours exist (one index lookup, no
     * transaction: a quiet store runs no prune transactions).
     */
    due(now: number): boolean {
      if (opts.retainDays > 0 || opts.maxDbMb > 0) return true
      if (opts.exactWindowHours <= 0) return false
      const oldest = oldestSecond.get()
      return oldest !== null && oldest !== undefined && oldest < secondsCutoff(now)
    },
    /** Called inside the write transaction after each inserted example. */
    onExampleInserted(row: DetailRow): void {
      const max = opts.maxExamplesPerSignature
      if (max <= 0) return
      const key = `${row.method}\u0000${row.route}\u0000${row.signature}`
      let n = perSignature.get(key)
      n = n === undefined ? countSignature.get(row.method, row.route, row.signature)! : n + 1
      while (n > max) {
        deleteOldestOfSignature.run(row.method, row.route, row.signature)
        n--
      }
      perSignature.set(key, n)
    },
    /** Forget cached counts (after a rolled-back transaction). */
    reset(): void {
      perSignature.clear()
    },
    /** One bounded prune step; returns the number of rows deleted. */
    step(now: number): number {
      let deleted = 0
      if (opts.exactWindowHours > 0) {
        deleted += dropSecondsBefore(secondsCutoff(now))
      }
      if (opts.retainDays > 0) {
        // Whole minutes, like the aggregates, so a window never sees counts without their examples.
        const cutoffMinute = Math.floor((now - opts.retainDays * 86_400_000) / MINUTE_MS)
        for (const stmt of deleteOldAggregates) deleted += stmt.run(cutoffMinute).changes
        deleted += dropSecondsBefore(cutoffMinute * 60)
        deleted += deleteOldExchanges.run(cutoffMinute * MINUTE_MS).changes
      }
      if (opts.maxDbMb > 0 && usedBytes() > opts.maxDbMb * 1024 * 1024) {
        const n = deleteOldestExchanges.run().changes
        deleted += n
        const oldest = n === 0 ? oldestMinute.get() : null
        if (oldest !== null && oldest !== undefined) {
          for (const stmt of deleteOldAggregates) deleted += stmt.run(oldest + 1).changes
          deleted += dropSecondsBefore((oldest + 1) * 60)
        }
      }
      if (deleted > 0) {
        perSignature.clear()
        db.pragma('incremental_vacuum')
      }
      return deleted
    },
  }
}

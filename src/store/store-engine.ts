/**
 * The one interface the recorder writes through: SQLite (sqlite-engine.ts,
 * synchronous, one file per instance) and PostgreSQL (pg/pg-engine.ts,
 * asynchronous, one database for a fleet) each implement it, and dialect
 * differences stay inside them. A write is all or nothing: on failure the
 * recorder puts the batch back (bounded) and retries at the next flush.
 *
 * A synchronous engine returns void and the recorder's flush finishes before
 * it returns (what SQLite tests and readers rely on); an asynchronous one
 * returns a promise, and the recorder keeps at most one flush in flight.
 */
import type { LearnedNoiseBatch } from './learned-noise.js'
import type { Batch } from './store-writer.js'

export interface StoreEngine {
  readonly kind: 'sqlite' | 'postgres'
  /** What to call the store in logs and errors (a PostgreSQL URL with its password masked). */
  readonly name: string
  /** Rows written so far (aggregate rows upserted, examples and events inserted): the store's write rate. */
  readonly rowsWritten: number
  /** Writes one batch: every row or none. */
  write(batch: Batch): void | Promise<void>
  /** Called after a failed write, before the batch is retried (forget per-transaction caches). */
  writeFailed(): void
  /** Every learned-noise row stored so far (for PostgreSQL: the fleet's, read at open). */
  readLearned(): LearnedNoiseBatch
  /** Writes learned-noise rows (totals of this instance, see learned-noise.ts). */
  writeLearned(batch: LearnedNoiseBatch): void | Promise<void>
  /** True when retention has work at `now`. */
  pruneDue(now: number): boolean
  /** One bounded retention step. */
  prune(now: number): void | Promise<void>
  close(): void | Promise<void>
}

/** True for a better-sqlite3 handle rather than an engine (the recorder accepts both). */
export function isStoreEngine(x: unknown): x is StoreEngine {
  return typeof x === 'object' && x !== null && 'kind' in x && 'write' in x && typeof (x as StoreEngine).writeFailed === 'function'
}

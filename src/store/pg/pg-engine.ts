/**
 * The PostgreSQL engine of the recorder (store-engine.ts): a fleet of
 * instances writing into one database. Opening it checks the connection
 * (exit 2 with what was wrong), migrates under the advisory lock and loads
 * the fleet's learned noise; from then on every write is asynchronous and
 * off the client path: the recorder keeps at most one flush in flight and
 * merges what arrives meanwhile into the next one.
 *
 * A connection that failed mid-flush (the server restarted, the network
 * dropped) is destroyed, not returned to the pool, so the next flush dials
 * a fresh one: writing resumes on its own once PostgreSQL is back.
 */
import type { LearnedNoiseBatch } from '../learned-noise.js'
import { resolveRetention } from '../retention.js'
import type { RetentionOptions } from '../retention.js'
import type { StoreEngine } from '../store-engine.js'
import type { Batch } from '../store-writer.js'
import { describeDatabase } from '../database-url.js'
import { connectPostgres, explainPgError, withPooledClient } from './pg-connection.js'
import { DatabaseUnavailable } from '../../errors.js'
import type { ConnectOptions, PgClient, PgPool } from './pg-connection.js'
import { LearnedDeltas, readPgLearnedNoise } from './pg-learned-noise.js'
import { pgPruneDue, pgPruneStep } from './pg-retention.js'
import { migratePg } from './pg-schema.js'
import { CommitUnknown, writePgBatch } from './pg-writer.js'
import type { WriteCounts } from './pg-writer.js'
import { compactPending } from './pg-compaction.js'

/** Bounds of the interval between two compaction passes of one instance, in ms. */
const COMPACT_MIN_MS = 1_000
const COMPACT_MAX_MS = 16_000

/**
 * The next interval between an instance's compaction passes: a pass that
 * compacted at most a quarter of the parts (the others were taken, or
 * compacted just before, by other instances) doubles it, one that compacted
 * at least half of them halves it. Alone, an instance compacts every part
 * each time and passes every second; in a fleet, the passes spread out
 * until each does a share of the work, and their number stays near what
 * the parts need (each is claimed at most every MIN_PART_INTERVAL_MS).
 */
export function nextCompactInterval(intervalMs: number, compacted: number, parts: number): number {
  if (compacted * 4 <= parts) return Math.min(COMPACT_MAX_MS, intervalMs * 2)
  if (compacted * 2 >= parts) return Math.max(COMPACT_MIN_MS, intervalMs / 2)
  return intervalMs
}

/** How long a flush whose COMMIT answer was lost waits for the database to say whether it committed. */
const COMMIT_CHECK_MS = 60_000

export interface PgEngineOptions extends ConnectOptions {
  retention?: RetentionOptions
}

export class PgEngine implements StoreEngine {
  readonly kind = 'postgres' as const
  readonly name: string
  readonly url: string
  readonly pool: PgPool
  #retention: Required<RetentionOptions>
  #learned: LearnedNoiseBatch
  #deltas: LearnedDeltas
  #closed = false
  /** Rows written so far, by kind (aggregate rows upserted, examples, events). */
  readonly rows = { aggregateRows: 0, details: 0, events: 0 }
  /** Parts of the pending rows this instance compacted, skipped (another compactor held them), and passes that failed. */
  readonly compactions = { done: 0, skipped: 0, failed: 0 }
  #compacting: Promise<void> | null = null
  #compactTimer: NodeJS.Timeout | null = null
  #lastCompact = 0
  #compactEveryMs = COMPACT_MIN_MS

  get rowsWritten(): number {
    return this.rows.aggregateRows + this.rows.details + this.rows.events
  }

  constructor(url: string, pool: PgPool, learned: LearnedNoiseBatch, retention: Required<RetentionOptions>) {
    this.url = url
    this.name = describeDatabase(url)
    this.pool = pool
    this.#learned = learned
    this.#deltas = new LearnedDeltas(learned)
    this.#retention = retention
  }

  async write(batch: Batch): Promise<void> {
    let counts: WriteCounts
    try {
      counts = await this.#withClient((client) => writePgBatch(client, batch))
    } catch (err) {
      if (!(err instanceof CommitUnknown) || !(await this.#committed(err.flushId))) throw err
      // It did commit: writing it again would count its exchanges twice.
      counts = { aggregateRows: 0, details: batch.details.length, events: batch.events.length }
    }
    this.rows.aggregateRows += counts.aggregateRows
    this.rows.details += counts.details
    this.rows.events += counts.events
    this.#compactSoon()
  }

  /**
   * Folds the pending rows into the shared ones in the background: the flush
   * is done once its rows are appended, never waiting for a compaction (nor
   * for another instance's). One pass at a time per instance, at most every
   * #compactEveryMs, which adapts to the fleet without knowing its size
   * (nextCompactInterval). One instance passes every second; a fleet of 200
   * does not run 200 passes a second. A timer takes what the last flush of a
   * quiet instance left (readers compact before reading in any case).
   */
  #compactSoon(): void {
    if (this.#compacting !== null || this.#closed) return
    const wait = this.#lastCompact + this.#compactEveryMs - Date.now()
    if (wait > 0) {
      this.#compactTimer ??= setTimeout(() => {
        this.#compactTimer = null
        this.#compactSoon()
      }, wait).unref()
      return
    }
    this.#lastCompact = Date.now()
    this.#compacting = this.#withClient((client) => compactPending(client, { wait: false }))
      .then(
        ({ compacted, skipped, recent }) => {
          this.compactions.done += compacted
          this.compactions.skipped += skipped + recent
          this.#compactEveryMs = nextCompactInterval(this.#compactEveryMs, compacted, compacted + skipped + recent)
        },
        () => {
          // The rows stay pending: the next pass (this instance's, another's or a reader's) takes them.
          this.compactions.failed++
        },
      )
      .finally(() => {
        this.#compacting = null
      })
  }

  writeFailed(): void {}

  readLearned(): LearnedNoiseBatch {
    return this.#learned
  }

  async writeLearned(batch: LearnedNoiseBatch): Promise<void> {
    await this.#withClient((client) => this.#deltas.write(client, batch))
  }

  pruneDue(): boolean {
    return pgPruneDue(this.#retention)
  }

  async prune(now: number): Promise<void> {
    await pgPruneStep(this.pool, this.#retention, now)
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#compactTimer !== null) clearTimeout(this.#compactTimer)
    await this.#compacting
    // What this instance flushed last is in the shared rows when it has stopped
    // (best effort: if the database is gone, a reader or another instance compacts it later).
    await this.#withClient((client) => compactPending(client, { wait: true })).catch(() => {})
    await this.pool.end()
  }

  /**
   * Whether the flush `id` committed, asked on a fresh connection until the
   * database answers (the recorder holds new records in memory meanwhile:
   * one flush in flight at a time). After COMMIT_CHECK_MS without an answer
   * it is taken as not committed, retried, and the risk of counting twice is logged by the recorder.
   */
  async #committed(id: string): Promise<boolean> {
    const deadline = Date.now() + COMMIT_CHECK_MS
    for (;;) {
      try {
        const r = await this.pool.query('SELECT 1 FROM flushes WHERE id = $1', [id])
        return r.rows.length > 0
      } catch {
        if (this.#closed || Date.now() > deadline) return false
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
    }
  }

  /** A pooled connection for `fn` (withPooledClient). */
  #withClient<T>(fn: (client: PgClient) => Promise<T>): Promise<T> {
    return withPooledClient(this.pool, fn)
  }
}

/**
 * Connects, migrates and loads learned noise. Throws DatabaseUnavailable
 * (exit 2) when the database cannot be reached, refuses the login, does not
 * exist, or holds a newer schema.
 *
 * @example
 *   const engine = await openPgEngine('postgres://shadowdiff:pw@db:5432/shadowdiff', { retention: { retainDays: 7 } })
 *   const recorder = new Recorder(engine, { logger })
 */
export async function openPgEngine(url: string, opts: PgEngineOptions = {}): Promise<PgEngine> {
  const retention = resolveRetention(opts.retention)
  const pool = await connectPostgres(url, { max: 4, applicationName: 'shadowdiff', ...opts })
  try {
    await migratePg(pool, url)
    const learned = await readPgLearnedNoise(pool)
    return new PgEngine(url, pool, learned, retention)
  } catch (err) {
    await pool.end().catch(() => {})
    if (err instanceof DatabaseUnavailable) throw err
    throw new DatabaseUnavailable(describeDatabase(url), `preparing the schema failed: ${explainPgError(err)}`, { cause: err })
  }
}

/** The pool of a PostgreSQL engine, for readers of the same database; undefined for SQLite. */
export function readerPool(engine: StoreEngine): PgPool | undefined {
  return engine instanceof PgEngine ? engine.pool : undefined
}

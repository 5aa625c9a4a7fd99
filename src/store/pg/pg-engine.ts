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
import { connectPostgres, explainPgError } from './pg-connection.js'
import { DatabaseUnavailable } from '../../errors.js'
import type { ConnectOptions, PgClient, PgPool } from './pg-connection.js'
import { LearnedDeltas, readPgLearnedNoise } from './pg-learned-noise.js'
import { pgPruneDue, pgPruneStep } from './pg-retention.js'
import { migratePg } from './pg-schema.js'
import { CommitUnknown, writePgBatch } from './pg-writer.js'
import type { WriteCounts } from './pg-writer.js'

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

  /** A pooled connection for `fn`; destroyed instead of reused when `fn` failed (it may be dead). */
  async #withClient<T>(fn: (client: PgClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect()
    // A connection cut while checked out also emits 'error' on the client: the query's rejection reports it.
    const ignore = () => {}
    client.on('error', ignore)
    try {
      const out = await fn(client)
      client.off('error', ignore)
      client.release()
      return out
    } catch (err) {
      client.off('error', ignore)
      client.release(err as Error)
      throw err
    }
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

/**
 * The recorder: the proxy's only way into the database. Nothing on the
 * request path touches the database: `count()` and `recordCompared()` only
 * update in-memory aggregates and queue the details of divergent exchanges,
 * and `flush()` (on a timer, or called by the owner) writes everything
 * pending in ONE transaction through the store engine (store-engine.ts):
 * SQLite synchronously, PostgreSQL asynchronously with at most one flush in
 * flight (records arriving meanwhile merge into the next batch).
 *
 * A failing database never stops the proxy: a failed flush puts its batch
 * back (bounded), counts what did not fit as lost, logs, and the next flush
 * retries — so a transient SQLITE_BUSY, SQLITE_FULL or a PostgreSQL restart
 * loses nothing that fits the bounds.
 */
import type { Database } from 'better-sqlite3'
import { ConfigInvalid } from '../errors.js'
import type { ComparedExchange, Divergence } from '../types.js'
import type { AuditEvent } from '../report/report-types.js'
import { COUNTER_INDEX, addCompared, aggregateKey, mergeAggregate, newAggregate, secondOf } from './aggregates.js'
import type { Aggregate } from './aggregates.js'
import { DetailQueue } from './detail-queue.js'
import { signatureOf } from './divergence-fields.js'
import { ExampleSampler } from './example-sampler.js'
import { compileRedactor } from './redact.js'
import type { Redactor } from './redact.js'
import { resolveRetention } from './retention.js'
import type { DetailRow, EventRow } from './store-writer.js'
import { comparedAs, toDetailRow } from './detail-row.js'
import type { ComparePolicy } from '../diff/policy.js'
import type { LearnedNoiseBatch, LearnedNoiseSource } from './learned-noise.js'
import { isStoreEngine } from './store-engine.js'
import type { StoreEngine } from './store-engine.js'
import { SqliteEngine } from './sqlite-engine.js'
import type { CounterName, RecorderOptions, RecorderStats, StoreLogger } from './store-types.js'

const COUNTER_OF: Record<CounterName, number> = {
  served: COUNTER_INDEX.served,
  notMirrored: COUNTER_INDEX.not_mirrored,
  skipped: COUNTER_INDEX.skipped,
  mirrored: COUNTER_INDEX.mirrored,
  dropped: COUNTER_INDEX.dropped,
}

/** Extra facts about a compared exchange that are not divergences. */
export interface CompareExtras {
  /** Differences classed as noise: counted per field, never as divergent. */
  noise?: readonly Divergence[]
  /** The policy the exchange was compared under: stored rows say what it ignored or compared by format. */
  policy?: ComparePolicy
}

const silent: StoreLogger = { warn() {}, error() {} }

/**
 * Batches counts, latency histograms, field counts and divergent examples
 * into one transaction per flush.
 *
 * @example
 *   const recorder = new Recorder(openDatabase('shadowdiff.db'), { logger })
 *   recorder.count(Date.now(), 'GET', '/users/:id', 'served')
 *   recorder.recordCompared(compared)
 *   recorder.close() // flushes
 */
export class Recorder {
  #engine: StoreEngine
  #logger: StoreLogger
  #now: () => number
  #redactor: Redactor
  #bodyCap: number
  #maxBatch: number
  #maxAggregates: number
  #pruneIntervalMs: number
  /** False when neither retainDays, maxDbMb nor exactWindowHours is set: no prune transactions at all. */
  #pruning: boolean
  #lastPrune = 0
  #timer: NodeJS.Timeout | null = null
  #earlyFlush = false
  #closed = false

  #aggregates = new Map<string, Aggregate>()
  /** The entry of the previous call; reset whenever #aggregates is swapped. */
  #last: Aggregate | null = null
  #details: DetailQueue
  #events: EventRow[] = []
  #pending = 0
  #written = 0
  #lost = 0
  #encodedNotStored = 0
  #countNotStored = (): void => {
    this.#encodedNotStored++
  }
  #sampler: ExampleSampler
  #flushes = 0
  #failedFlushes = 0
  #lastError: string | null = null
  #learned: LearnedNoiseSource | null = null
  /** The asynchronous flush in flight (PostgreSQL), or null: at most one at a time. */
  #inFlight: Promise<void> | null = null
  /** A flush was asked for while one was in flight: run another when it ends. */
  #again = false
  #closing = false

  /** A SQLite handle (wrapped in a SqliteEngine with `opts.retention`) or any store engine. */
  constructor(db: Database | StoreEngine, opts: RecorderOptions = {}) {
    this.#logger = opts.logger ?? silent
    this.#now = opts.now ?? Date.now
    this.#redactor = compileRedactor(opts.redact)
    this.#bodyCap = positive('bodyCapBytes', opts.bodyCapBytes, 64 * 1024)
    this.#maxBatch = positive('maxBatch', opts.maxBatch, 2000)
    // Rows AND bytes: 10,000 rows of three 64 KiB bodies would be 2 GiB.
    this.#details = new DetailQueue(positive('maxPending', opts.maxPending, 10_000), 64 * 1024 * 1024)
    this.#sampler = new ExampleSampler(opts.maxExamplesPerMinute === 0 ? 0 : positive('maxExamplesPerMinute', opts.maxExamplesPerMinute, 60))
    this.#maxAggregates = positive('maxPendingAggregates', opts.maxPendingAggregates, 50_000)
    const retention = resolveRetention(opts.retention)
    this.#pruneIntervalMs = retention.pruneIntervalMs
    this.#pruning = retention.retainDays > 0 || retention.maxDbMb > 0 || retention.exactWindowHours > 0
    this.#engine = isStoreEngine(db) ? db : new SqliteEngine(db, retention)
    const interval = opts.flushIntervalMs ?? 1000
    if (!(interval >= 0)) throw new ConfigInvalid(`store.flushIntervalMs must be a non-negative number, got ${JSON.stringify(interval)}`)
    if (interval > 0) {
      this.#timer = setInterval(() => this.flush(), interval)
      // The recorder must not keep a finished process alive; close() flushes.
      this.#timer.unref()
    }
  }

  /** HOT PATH: adds `n` to a counter of (second of `at`, method, route). In-memory only. */
  count(at: number, method: string, route: string, counter: CounterName, n = 1): void {
    const a = this.#aggregate(at, method, route)
    a.counters[COUNTER_OF[counter]] += n
    a.records++
    this.#pending++
  }

  /**
   * Adds a compared exchange to the aggregates (compared, divergent, error
   * and 5xx counters, latency histograms, field counts) and, when it
   * diverged, queues its redacted details. In-memory only; never throws.
   */
  recordCompared(ex: ComparedExchange, extras: CompareExtras = {}): void {
    try {
      this.#recordCompared(ex, extras)
    } catch (err) {
      // A malformed exchange must not take the proxy down; count it and move on.
      this.#lost++
      this.#lastError = `recordCompared: ${(err as Error).message}`
      this.#logger.error({ err, id: ex?.id }, 'shadowdiff store: could not record an exchange')
    }
  }

  #recordCompared(ex: ComparedExchange, extras: CompareExtras): void {
    const a = this.#aggregate(ex.at, ex.request.method, ex.route)
    const fields = addCompared(a, ex, extras.noise ?? [])
    this.#pending++
    if (fields.length === 0) return
    const signature = signatureOf(fields)
    if (!this.#sampler.allow(a.minute, a.method, a.route, signature) || !this.#details.hasRoom()) return
    this.#details.push(toDetailRow(ex, fields, signature, this.#redactor, this.#bodyCap, comparedAs(extras.policy, extras.noise), this.#countNotStored))
    if (this.#timer && !this.#earlyFlush && this.#details.length >= this.#maxBatch) {
      // Early flush on the next turn, never inside the caller's.
      this.#earlyFlush = true
      setImmediate(() => this.flush())
    }
  }

  /** Queues an audit event (mode or weight change, rollback) and writes it now. */
  recordEvent(ev: AuditEvent): void {
    const at = Date.parse(ev.at)
    this.#events.push({
      at: Number.isFinite(at) ? at : this.#now(),
      type: ev.type,
      actor: ev.actor,
      cause: ev.cause,
      data: ev.data === undefined ? null : JSON.stringify(ev.data),
    })
    this.#pending++
    this.flush()
  }

  /**
   * Connects the noise stage's learned noise: returns every row stored so
   * far (to load at start), and from now on each flush also writes the rows
   * `source` reports changed, in a transaction of their own.
   */
  attachLearnedNoise(source: LearnedNoiseSource): LearnedNoiseBatch {
    if (this.#closed) throw new Error('recorder is closed')
    this.#learned = source
    return this.#engine.readLearned()
  }

  /** The engine written through (`kind` says which). */
  get engine(): StoreEngine {
    return this.#engine
  }

  /**
   * Writes everything pending in one transaction. Never throws: on failure
   * the batch is put back for the next flush, what exceeds the bounds is
   * counted as lost, and the error is logged and kept in stats().lastError.
   * With a synchronous engine (SQLite) the write is done when this returns;
   * with an asynchronous one it starts the write, or, while one is in
   * flight, asks for another as soon as it ends (await `flushed()`).
   */
  flush(): void {
    if (this.#closed) return
    if (this.#inFlight !== null) {
      this.#again = true
      return
    }
    this.#earlyFlush = false
    const done = this.#flushOnce()
    if (done === undefined) return
    this.#inFlight = done.finally(() => {
      this.#inFlight = null
      if (this.#again && !this.#closed) {
        this.#again = false
        this.flush()
      }
    })
  }

  /**
   * Resolves once everything recorded before the call has been written, or
   * its flush has failed (then it waits in memory for the next one). What
   * readers of this instance's own data await before reading.
   */
  async flushed(): Promise<void> {
    if (this.#inFlight !== null) await this.#inFlight
    // The flush that just ended may have started another (records arrived meanwhile): it holds ours too.
    if (this.#inFlight === null) this.flush()
    if (this.#inFlight !== null) await this.#inFlight
  }

  /**
   * Flushes, stops the timer and closes the database. Idempotent. With
   * SQLite everything happens before it returns; with PostgreSQL it waits
   * for the last flush (one attempt) before closing the pool.
   */
  async close(): Promise<void> {
    if (this.#closed || this.#closing) return
    this.#closing = true
    if (this.#timer) clearInterval(this.#timer)
    if (this.#inFlight !== null) await this.#inFlight
    this.flush()
    if (this.#inFlight !== null) await this.#inFlight
    if (this.#pending > 0) {
      this.#lost += this.#pending
      this.#logger.error({ lost: this.#pending, lastError: this.#lastError }, 'shadowdiff store: closing with unwritten records')
      this.#pending = 0
    }
    this.#closed = true
    await this.#engine.close()
  }

  /** Counters for /metrics and tests. */
  stats(): RecorderStats {
    return {
      pending: this.#pending,
      written: this.#written,
      rowsWritten: this.#engine.rowsWritten,
      lost: this.#lost,
      lostDetails: this.#details.dropped,
      encodedBodiesNotStored: this.#encodedNotStored,
      sampledOut: this.#sampler.sampledOut,
      flushes: this.#flushes,
      failedFlushes: this.#failedFlushes,
      lastError: this.#lastError,
    }
  }

  /** One flush: learned noise, then the batch. Returns a promise only when the engine is asynchronous. */
  #flushOnce(): Promise<void> | undefined {
    const learned = this.#flushLearned()
    if (learned instanceof Promise) return learned.then(() => this.#flushBatch())
    return this.#flushBatch()
  }

  #flushBatch(): Promise<void> | undefined {
    if (this.#pending === 0) return this.#maybePrune()
    const aggregates = this.#aggregates
    const details = this.#details.take()
    const events = this.#events
    const records = this.#pending
    this.#aggregates = new Map()
    this.#last = null
    this.#events = []
    this.#pending = 0
    const failed = (err: unknown) => {
      this.#engine.writeFailed()
      this.#restore(aggregates, details, events)
      this.#failedFlushes++
      const message = `${(err as { code?: string }).code ?? 'ERROR'}: ${(err as Error).message}`
      if (this.#lastError !== message) this.#logger.error({ err, store: this.#engine.name }, 'shadowdiff store: flush failed, will retry')
      this.#lastError = message
    }
    const written = () => {
      this.#written += records
      this.#flushes++
      if (this.#lastError !== null) this.#logger.warn({ lastError: this.#lastError, lost: this.#lost }, 'shadowdiff store: writing again')
      this.#lastError = null
      return this.#maybePrune()
    }
    let result: void | Promise<void>
    try {
      result = this.#engine.write({ aggregates: aggregates.values(), details, events })
    } catch (err) {
      failed(err)
      return undefined
    }
    if (result instanceof Promise) return result.then(written, failed)
    return written()
  }

  /** Learned noise is small (one row per noisy field) and is totals: a failed write is simply retried. */
  #flushLearned(): Promise<void> | undefined {
    if (this.#learned === null) return undefined
    const source = this.#learned
    const batch = source.takeDirty()
    if (batch === null) return undefined
    const failed = (err: unknown) => {
      source.putBack(batch)
      const message = `learned noise: ${(err as { code?: string }).code ?? 'ERROR'}: ${(err as Error).message}`
      if (this.#lastError !== message) this.#logger.error({ err }, 'shadowdiff store: writing learned noise failed, will retry')
      this.#lastError = message
    }
    try {
      const result = this.#engine.writeLearned(batch)
      if (result instanceof Promise) return result.catch(failed)
    } catch (err) {
      failed(err)
    }
    return undefined
  }

  #aggregate(at: number, method: string, route: string): Aggregate {
    const second = secondOf(at)
    // The proxy makes several calls per exchange (served, mirrored, compared):
    // remembering the last entry skips building the key string for most of them.
    const last = this.#last
    if (last !== null && last.second === second && last.route === route && last.method === method) return last
    const key = aggregateKey(second, method, route)
    let a = this.#aggregates.get(key)
    if (a === undefined) {
      a = newAggregate(second, method, route)
      this.#aggregates.set(key, a)
    }
    this.#last = a
    return a
  }

  /** Puts a failed batch back in front of what arrived meanwhile, within the bounds. */
  #restore(aggregates: Map<string, Aggregate>, details: DetailRow[], events: EventRow[]): void {
    let kept = 0
    let lost = 0
    for (const [key, a] of aggregates) {
      const cur = this.#aggregates.get(key)
      if (cur) mergeAggregate(cur, a)
      else if (this.#aggregates.size < this.#maxAggregates) this.#aggregates.set(key, a)
      else {
        lost += a.records
        continue
      }
      kept += a.records
    }
    this.#details.putBack(details)
    this.#events = [...events, ...this.#events]
    this.#pending += kept + events.length
    if (lost > 0) {
      this.#lost += lost
      this.#logger.error({ lost, totalLost: this.#lost, pending: this.#pending }, 'shadowdiff store: records lost, the database is failing beyond the pending bounds')
    }
  }

  #maybePrune(): Promise<void> | undefined {
    if (!this.#pruning) return undefined
    const now = this.#now()
    if (now - this.#lastPrune < this.#pruneIntervalMs) return undefined
    this.#lastPrune = now
    const failed = (err: unknown) => this.#logger.warn({ err }, 'shadowdiff store: retention step failed, will retry')
    try {
      if (!this.#engine.pruneDue(now)) return undefined
      const result = this.#engine.prune(now)
      if (result instanceof Promise) return result.catch(failed)
    } catch (err) {
      failed(err)
    }
    return undefined
  }
}

function positive(key: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value <= 0) throw new ConfigInvalid(`store.${key} must be a positive integer, got ${JSON.stringify(value)}`)
  return value
}

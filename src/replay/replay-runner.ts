/**
 * `shadowdiff replay`'s engine: recorded requests in, the same pipeline as
 * `serve` behind them. Each request is sent to the primary, the candidate
 * (and the secondary) through the mirror scheduler, compared by the compare
 * stage with the rules and noise cancellation, and recorded by the recorder;
 * `report`, `diffs`, `gate` and `rules suggest` then read the replay's
 * database like any other.
 *
 *   file → reader (one record at a time) → filter → pacer → ≤ N in flight
 *        → mirror scheduler → compare stage → recorder → SQLite
 *
 * Backpressure: the next record is read only once a slot is free, so memory
 * holds N exchanges and one chunk of the file, whatever the file's size.
 * Like receiver mode, no side serves a client: an exchange settles when
 * every side has answered.
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import type { Config } from '../config.js'
import { buildPipeline } from '../app.js'
import type { StoreEngine } from '../store/store-engine.js'
import type { RequestInfo, Side, SideResult } from '../types.js'
import type { RuleMatch } from '../rules/types.js'
import { UnservedExchange, type ExchangeListener } from '../mirror/pending-exchange.js'
import { MIRROR_MARKER, REQUEST_ID, type HeaderList } from '../proxy/forward-headers.js'
import { requestInfo } from '../proxy/request-info.js'
import { compileSecretPaths } from '../store/redact-path.js'
import { openRecords, type InputFormat } from './read-records.js'
import type { SkipReason } from './read-item.js'
import { filterRequest, type ReplayFilterOptions } from './replay-filter.js'
import { replayCall, type ReplayHeaderOptions } from './replay-request.js'
import { Pacer, type Pacing } from './pacing.js'
import type { ProgressSnapshot } from './progress.js'

/** The value of x-shadowdiff-mirror on replayed requests (every side gets it: none is a client's). */
export const REPLAY_MARKER = 'replay'

export interface ReplayOptions extends ReplayFilterOptions, ReplayHeaderOptions {
  file: string
  format?: InputFormat
  /** primary, candidate, secondary, db, rules, store, noise, diff, mirror.timeoutMs. */
  config: Config
  /** Exchanges in flight at most (each calls every side once). */
  concurrency: number
  pacing: Pacing
  /** Requests sent at most; null for all. */
  limit: number | null
  /** Stop at the first malformed record. */
  strict: boolean
  onMalformed(where: string, problem: string): void
  /** Set to stop sending (SIGINT): in-flight exchanges finish and are recorded. */
  signal?: AbortSignal
  /** Called once the input is open, before the database is (the command replaces it there). */
  beforeRecording?(): void
  /** The store, opened by openStore(config) (required for a PostgreSQL `db`). */
  store?: StoreEngine
}

export interface ReplayResult {
  format: InputFormat
  sent: number
  compared: number
  divergent: number
  /** Candidate errors plus exchanges whose primary failed (not comparable). */
  errors: number
  primaryFailed: number
  malformed: number
  skipped: Record<SkipReason | 'unsafe' | 'filtered', number>
  /** Methods left out for want of --allow-unsafe, with counts. */
  unsafeMethods: Record<string, number>
  /** The most exchanges in flight at once (never above `concurrency`). */
  maxInFlight: number
  /** The malformed record that ended a --strict run. */
  strictStop: { where: string; problem: string } | null
  interrupted: boolean
  elapsedMs: number
}

/**
 * Replays `opts.file`; resolves when every exchange is compared and the
 * store is flushed and closed. `onProgress` receives a live view for the
 * progress line. Throws InputUnreadable when the file cannot be read.
 */
export async function runReplay(opts: ReplayOptions, logger: Logger, onProgress?: (read: () => ProgressSnapshot) => void): Promise<ReplayResult> {
  const started = Date.now()
  const input = await openRecords(opts.file, opts.format)
  const { config } = opts
  opts.beforeRecording?.()
  const { stats, rules, recorder, scheduler, compare } = buildPipeline(config, logger, opts.store)
  const fold = config.store.redactPath.length > 0 ? compileSecretPaths(config.store.redactPath, 'store.redactPath').fold : undefined
  const sides: readonly Side[] = Object.freeze(config.secondary === null ? ['primary', 'candidate'] : ['primary', 'candidate', 'secondary'])
  const pacer = new Pacer(opts.pacing)
  const result: ReplayResult = {
    format: input.format,
    sent: 0,
    compared: 0,
    divergent: 0,
    errors: 0,
    primaryFailed: 0,
    malformed: 0,
    skipped: { nonHttp: 0, response: 0, unsafe: 0, filtered: 0 },
    unsafeMethods: {},
    maxInFlight: 0,
    strictStop: null,
    interrupted: false,
    elapsedMs: 0,
  }
  let inFlight = 0
  let freed: (() => void) | null = null
  const onSettled: ExchangeListener = (exchange) => {
    compare.accept(exchange)
    inFlight--
    const wake = freed
    freed = null
    wake?.()
  }
  onProgress?.(() => ({
    sent: result.sent,
    compared: stats.compared,
    divergent: stats.divergent,
    errors: stats.candidateErrors + stats.skippedBy.primaryFailed,
    // With --limit the end is known exactly; otherwise the share of the file read (read-ahead makes it a little early).
    fraction: opts.limit !== null ? Math.min(1, result.sent / opts.limit) : input.totalBytes > 0 ? Math.min(1, input.bytesRead() / input.totalBytes) : null,
  }))

  try {
    for await (const item of input.items) {
      if (opts.signal?.aborted) {
        result.interrupted = true
        break
      }
      if (item.kind === 'malformed') {
        result.malformed++
        opts.onMalformed(item.where, item.problem)
        if (opts.strict) {
          result.strictStop = { where: item.where, problem: item.problem }
          break
        }
        continue
      }
      if (item.kind === 'skipped') {
        result.skipped[item.reason]++
        continue
      }
      const call = replayCall(item.parsed, opts)
      const outcome = filterRequest(call.method, call.path, opts)
      if (outcome !== 'send') {
        result.skipped[outcome]++
        if (outcome === 'unsafe') result.unsafeMethods[call.method] = (result.unsafeMethods[call.method] ?? 0) + 1
        continue
      }
      if (opts.limit !== null && result.sent >= opts.limit) break
      await pacer.wait(item.parsed.at)
      while (inFlight >= opts.concurrency) await new Promise<void>((resolve) => (freed = resolve))

      const id = randomUUID()
      const at = Date.now()
      const request = requestInfo(call.method, call.target, call.headerMap, fold)
      const match = rules.current().match(request)
      // Every side gets the same list: the exchange's id and the marker that says it is a replay.
      const headers = call.headers.concat(REQUEST_ID, id, MIRROR_MARKER, REPLAY_MARKER)
      stats.onServed(at, call.method, match.route)
      inFlight++
      if (inFlight > result.maxInFlight) result.maxInFlight = inFlight
      result.sent++
      // The scheduler's slots number `concurrency`, and one is freed before onSettled runs. It may
      // still refuse one (the mirror memory budget): counted as dropped, it never settles, so its
      // slot here is freed at once, or this loop would wait for it forever.
      if (!scheduler.submit(new UnservedExchange(id, at, request, call.body, match, headers, sides, onSettled))) inFlight--
    }
  } finally {
    await input.items.return(undefined)
    await scheduler.drain()
    await compare.drain()
    await recorder.flushed()
    await scheduler.close()
    await recorder.close()
    rules.close()
  }
  result.compared = stats.compared
  result.divergent = stats.divergent
  result.primaryFailed = stats.skippedBy.primaryFailed
  result.errors = stats.candidateErrors + stats.skippedBy.primaryFailed
  result.elapsedMs = Date.now() - started
  return result
}

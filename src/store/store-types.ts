/**
 * Shapes of the store's public API (recorder options and stats, rows read
 * back by `shadowdiff diffs` and `rules explain`).
 */
import type { Divergence, Operation } from '../types.js'
import type { RedactOptions } from './redact.js'
import type { RetentionOptions } from './retention.js'

/** What happened to a request, counted per (second, method, route) and per (minute, method, route). */
export type CounterName = 'served' | 'notMirrored' | 'skipped' | 'mirrored' | 'dropped'

/** pino-compatible: the recorder only warns and reports errors. */
export interface StoreLogger {
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

export interface RecorderOptions {
  /** Flush period in ms (default 1000). 0 turns the timer off: the owner calls flush(). */
  flushIntervalMs?: number
  /** Queued divergent details that trigger an early flush when the timer is on (default 2000). */
  maxBatch?: number
  /** Bound on queued divergent details; beyond it details are dropped and counted as lost (default 10000). */
  maxPending?: number
  /** Bound on distinct (second, method, route) aggregates kept across failing flushes (default 50000). */
  maxPendingAggregates?: number
  /**
   * Most divergent examples stored per minute for one (method, route, set of
   * differing fields) (default 60; 0 = every one). Counts are never sampled.
   */
  maxExamplesPerMinute?: number
  /** Stored body cap in bytes (default 64 KiB); longer bodies are truncated. */
  bodyCapBytes?: number
  redact?: RedactOptions
  retention?: RetentionOptions
  logger?: StoreLogger
  /** Clock for retention and flush bookkeeping (tests). */
  now?: () => number
}

export interface RecorderStats {
  /** Records (count() and recordCompared() calls) held in memory, not yet written. */
  pending: number
  /** Records written to the database. */
  written: number
  /** Rows written to the database (aggregate rows upserted, examples and events inserted). */
  rowsWritten: number
  /** Records dropped: pending bounds exceeded while the database was failing. */
  lost: number
  /** Divergent exchange details dropped (their counts may still have been written). */
  lostDetails: number
  /** Bodies of stored exchanges left out because they were still content-encoded (detail-row.ts). */
  encodedBodiesNotStored: number
  /** Divergent examples not stored because maxExamplesPerMinute was reached (by design, not lost). */
  sampledOut: number
  /** Successful flushes that wrote something. */
  flushes: number
  failedFlushes: number
  lastError: string | null
}

/** Options of the recorded-exchange queries. */
export interface DivergenceQuery {
  /** Most rows returned (default 100). */
  limit?: number
  /** Epoch ms, inclusive. */
  since?: number
  /** Epoch ms, exclusive. */
  until?: number
  /** Only this route: `/api/users/:id`, or the endpoint as reports print it, `GET /api/users/:id`. */
  route?: string
  /** Only this method. */
  method?: string
  /** `newest` first (default) or `oldest` first. */
  order?: 'newest' | 'oldest'
}

/** Kind names as `shadowdiff diffs` prints them (plural `headers`). */
export type DiffKind = 'status' | 'headers' | 'body' | 'error' | 'undecided'

/** One divergent exchange as `shadowdiff diffs` prints it (one NDJSON line). */
export interface DivergenceRow {
  id: string
  /** ISO 8601. */
  at: string
  method: string
  /** Path and query as the client sent them (secret query values redacted). */
  url: string
  route: string
  primaryStatus: number | null
  candidateStatus: number | null
  /**
   * `undecided` when the only differences are undecided (the noise stage
   * waited for evidence and had none: neither equal nor proven divergent),
   * else `divergent`.
   */
  verdict: 'divergent' | 'undecided'
  kinds: DiffKind[]
  /** RFC 6902 ops of the body difference when both bodies were JSON. */
  patch?: Operation[]
  divergences: Divergence[]
  latencies: { primary: number | null; candidate: number | null }
  /** Folded fields that differ (`/items/*\/price`, `header:etag`, `status`...). */
  fields: { field: string; op: string }[]
  rules: string[]
}

/** Everything stored for one exchange: what `rules explain` replays. */
export interface StoredExchange extends DivergenceRow {
  /** The database file it was read from. */
  source: string
  requestHeaders: Record<string, string | string[]>
  requestBody: Buffer | null
  primaryHeaders: Record<string, string | string[]> | null
  candidateHeaders: Record<string, string | string[]> | null
  primaryBody: Buffer | null
  candidateBody: Buffer | null
  primaryContentType: string | null
  candidateContentType: string | null
}

/**
 * Live counters for /api/status and /metrics, and the per-route counts that
 * the store persists. Every request served lands in exactly one outcome, so
 * the accounting closes: served = compared + dropped + skipped + notMirrored.
 * Plain integer fields: the hot path increments them without allocation.
 */

/** Per-route counters the store persists (see src/store/recorder.ts). */
export type CounterName = 'served' | 'notMirrored' | 'skipped' | 'mirrored' | 'dropped'

/** Persists a per-route count; the Recorder implements it. */
export interface CountSink {
  count(at: number, method: string, route: string, counter: CounterName, n?: number): void
}

/**
 * `sampledOut`: not in the `--sample` percentage; `adaptive`: not in the
 * adaptive share, the sample the candidate can take (src/mirror/adaptive-share.ts).
 */
export type SkipReason = 'sampledOut' | 'adaptive' | 'bodyTooLarge' | 'primaryFailed' | 'rejected' | 'upgrade'
/** `shutdown`: in flight when a graceful stop ran out of time; cancelled, never compared. */
export type DropReason = 'queueFull' | 'stale' | 'compareQueueFull' | 'shutdown'

interface Located {
  at: number
  request: { method: string }
  route: string
}

export class PipelineStats {
  /** Client requests answered (by either side, including the proxy's own 4xx/5xx). */
  served = 0
  /** Requests whose method is not mirrored. */
  notMirrored = 0
  /** Eligible requests not compared by choice or because the served side failed. */
  skipped = 0
  readonly skippedBy: Record<SkipReason, number> = { sampledOut: 0, adaptive: 0, bodyTooLarge: 0, primaryFailed: 0, rejected: 0, upgrade: 0 }
  /** Mirror requests sent (one per exchange, whatever the number of sides). */
  mirrored = 0
  /** Mirrors or comparisons refused because a bound was reached. */
  dropped = 0
  readonly droppedBy: Record<DropReason, number> = { queueFull: 0, stale: 0, compareQueueFull: 0, shutdown: 0 }
  compared = 0
  divergent = 0
  candidateErrors = 0
  /** Records the store could not write (disk full, locked); mirrored from the Recorder. */
  #sink: CountSink | null = null

  attach(sink: CountSink): void {
    this.#sink = sink
  }

  onServed(at: number, method: string, route: string): void {
    this.served++
    this.#sink?.count(at, method, route, 'served')
  }

  onNotMirrored(at: number, method: string, route: string): void {
    this.notMirrored++
    this.#sink?.count(at, method, route, 'notMirrored')
  }

  onSkipped(at: number, method: string, route: string, reason: SkipReason): void {
    this.skipped++
    this.skippedBy[reason]++
    this.#sink?.count(at, method, route, 'skipped')
  }

  onMirrored(exchange: Located): void {
    this.mirrored++
    this.#sink?.count(exchange.at, exchange.request.method, exchange.route, 'mirrored')
  }

  onDropped(exchange: Located, reason: DropReason): void {
    this.dropped++
    this.droppedBy[reason]++
    this.#sink?.count(exchange.at, exchange.request.method, exchange.route, 'dropped')
  }

  toJSON() {
    return {
      served: this.served,
      notMirrored: this.notMirrored,
      skipped: this.skipped,
      skippedBy: { ...this.skippedBy },
      mirrored: this.mirrored,
      dropped: this.dropped,
      droppedBy: { ...this.droppedBy },
      compared: this.compared,
      divergent: this.divergent,
      candidateErrors: this.candidateErrors,
    }
  }
}

/**
 * Live counters for /api/status and /metrics, and the per-route counts that
 * the store persists. Every request served lands in exactly one outcome, so
 * the accounting closes: served = compared + dropped + skipped + notMirrored.
 * Plain integer fields: the hot path increments them without allocation.
 */

import type { SideResult } from './types.js'

/** Per-route counters the store persists (see src/store/recorder.ts). */
export type CounterName = 'served' | 'notMirrored' | 'skipped' | 'mirrored' | 'dropped'

/** Persists a per-route count; the Recorder implements it. */
export interface CountSink {
  count(at: number, method: string, route: string, counter: CounterName, n?: number): void
}

/**
 * Why a served request was not sent to the other side at all:
 * - `method`: its method is not mirrored (mirror.methods; unsafe methods would repeat side effects);
 * - `split-no-shadow`: the split served it (split or candidate mode) with reverse shadow off, so nothing calls the other side;
 * - `pinned`: a tester pinned it to the candidate with the override header while no reverse shadow was on.
 */
export type NotMirroredReason = 'method' | 'split-no-shadow' | 'pinned'
/** `status5xx`: answered 5xx where the primary did not; `network`: did not answer (refused, reset, timeout, bad response). */
export type CandidateErrorPart = 'status5xx' | 'network'

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
  /** Requests never sent to the other side (see NotMirroredReason). */
  notMirrored = 0
  readonly notMirroredBy: Record<NotMirroredReason, number> = { method: 0, 'split-no-shadow': 0, pinned: 0 }
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
  /**
   * Compared exchanges where the candidate failed and the primary did not
   * (the primary answered below 500): the same meaning as the reports' and
   * the gate's candidate errors, in two parts.
   */
  candidateErrors = 0
  /**
   * Upgrade requests the primary answered with something other than 101: the
   * answer was relayed and the connection closed, never tunnelled. Each is
   * also served + skipped (`upgrade`), so this is a detail, not an outcome.
   */
  upgradesRefused = 0
  /** Client connections cut because they accepted no response bytes for proxy.writeTimeoutMs. */
  writeTimeouts = 0
  readonly candidateErrorsBy: Record<CandidateErrorPart, number> = { status5xx: 0, network: 0 }
  /** Records the store could not write (disk full, locked); mirrored from the Recorder. */
  #sink: CountSink | null = null

  attach(sink: CountSink): void {
    this.#sink = sink
  }

  onServed(at: number, method: string, route: string): void {
    this.served++
    this.#sink?.count(at, method, route, 'served')
  }

  onNotMirrored(at: number, method: string, route: string, reason: NotMirroredReason): void {
    this.notMirrored++
    this.notMirroredBy[reason]++
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

  /** Counts a candidate error of a compared exchange, or nothing when the candidate did not fail where the primary did not. */
  onCompared(primary: SideResult, candidate: SideResult): void {
    this.compared++
    const part = candidateErrorPart(primary, candidate)
    if (part === undefined) return
    this.candidateErrors++
    this.candidateErrorsBy[part]++
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
      notMirroredBy: { ...this.notMirroredBy },
      skipped: this.skipped,
      skippedBy: { ...this.skippedBy },
      mirrored: this.mirrored,
      dropped: this.dropped,
      droppedBy: { ...this.droppedBy },
      compared: this.compared,
      divergent: this.divergent,
      candidateErrors: this.candidateErrors,
      upgradesRefused: this.upgradesRefused,
      writeTimeouts: this.writeTimeouts,
      candidateErrorsBy: { ...this.candidateErrorsBy },
    }
  }
}

/**
 * Which part of the candidate errors an exchange is, if any: the candidate
 * failed where the primary did not (the primary answered below 500).
 *
 * @example
 *   candidateErrorPart(primary200, candidate503) // 'status5xx'
 *   candidateErrorPart(primary503, candidate503) // undefined: the primary failed too
 */
export function candidateErrorPart(primary: SideResult, candidate: SideResult): CandidateErrorPart | undefined {
  if (!primary.ok || primary.status >= 500) return undefined
  if (!candidate.ok) return 'network'
  return candidate.status >= 500 ? 'status5xx' : undefined
}

/**
 * The comparison stage: settled exchanges wait in a bounded queue and are
 * compared in batches on a later turn of the event loop, so client I/O that
 * is already pending goes first. Beyond the bound, exchanges are dropped and
 * counted, never buffered without limit.
 */
import type { ComparedExchange, Divergence, Exchange } from '../types.js'
import type { PipelineStats } from '../stats.js'
import type { PendingExchange } from '../mirror/pending-exchange.js'
import type { ComparePolicy } from './policy.js'
import { compareResponses } from './compare-responses.js'

/** Where compared exchanges go (the store's Recorder). */
export interface ComparedSink {
  recordCompared(exchange: ComparedExchange, extras?: { noise?: readonly Divergence[] }): void
}

/**
 * Splits an exchange's divergences into divergences and noise (src/noise's
 * NoiseCanceller). Noise is recorded per field, never as divergent.
 */
export interface NoiseStage {
  cancel(exchange: Exchange, policy: ComparePolicy, divergences: Divergence[]): { divergences: Divergence[]; noise: readonly Divergence[] }
}

/** Called for each compared exchange (metrics, rollback monitor, tests), with what was classed as noise. */
export type CompareObserver = (exchange: ComparedExchange, noise: readonly Divergence[]) => void

const BATCH = 256

export class CompareStage {
  #sink: ComparedSink
  #stats: PipelineStats
  #maxQueue: number
  #queue: PendingExchange[] = []
  #scheduled = false
  #idle: (() => void)[] = []
  #observers: CompareObserver[] = []
  #noise: NoiseStage | undefined

  constructor(sink: ComparedSink, stats: PipelineStats, maxQueue: number, noise?: NoiseStage) {
    this.#sink = sink
    this.#stats = stats
    this.#maxQueue = maxQueue
    this.#noise = noise
  }

  get queued(): number {
    return this.#queue.length
  }

  observe(observer: CompareObserver): void {
    this.#observers.push(observer)
  }

  /** Takes a settled exchange (PendingExchange's listener). */
  readonly accept = (exchange: PendingExchange): void => {
    if (exchange.abandoned) return
    if (!exchange.primary.ok) {
      // Nothing to compare against: the client saw a 502/504 or went away.
      this.#stats.onSkipped(exchange.at, exchange.request.method, exchange.route, 'primaryFailed')
      return
    }
    if (this.#queue.length >= this.#maxQueue) {
      this.#stats.onDropped(exchange, 'compareQueueFull')
      return
    }
    this.#queue.push(exchange)
    if (!this.#scheduled) {
      this.#scheduled = true
      setImmediate(this.#run)
    }
  }

  /** Resolves when the queue is empty. */
  drain(): Promise<void> {
    if (this.#queue.length === 0 && !this.#scheduled) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  #run = (): void => {
    const batch = this.#queue.length > BATCH ? this.#queue.splice(0, BATCH) : this.#queue.splice(0)
    for (const exchange of batch) this.#compare(exchange)
    if (this.#queue.length > 0) {
      setImmediate(this.#run)
      return
    }
    this.#scheduled = false
    const waiters = this.#idle
    this.#idle = []
    for (const resolve of waiters) resolve()
  }

  #compare(exchange: PendingExchange): void {
    let divergences: Divergence[]
    try {
      divergences = compareResponses(exchange.primary, exchange.candidate, exchange.match.policy)
    } catch (err) {
      // A comparison bug must never take the proxy down; record it as such.
      divergences = [{ kind: 'error', code: 'COMPARE_FAILED', message: (err as Error).message }]
    }
    let noise: readonly Divergence[] = []
    if (this.#noise !== undefined) {
      try {
        ;({ divergences, noise } = this.#noise.cancel(exchange, exchange.match.policy, divergences))
      } catch {
        // A noise-stage bug must not hide anything: the rules' divergences stand.
      }
    }
    const compared: ComparedExchange = {
      id: exchange.id,
      at: exchange.at,
      request: exchange.request,
      requestBody: exchange.requestBody,
      route: exchange.route,
      primary: exchange.primary,
      candidate: exchange.candidate,
      secondary: exchange.secondary,
      divergences,
      rules: exchange.match.rules,
    }
    this.#stats.compared++
    if (divergences.length > 0) this.#stats.divergent++
    if (!exchange.candidate.ok) this.#stats.candidateErrors++
    this.#sink.recordCompared(compared, noise.length > 0 ? { noise } : undefined)
    for (const observer of this.#observers) observer(compared, noise)
  }
}

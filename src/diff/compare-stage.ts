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
import { HeldExchanges, HOLD_MS } from './held-exchanges.js'
import type { HeldExchange } from './held-exchanges.js'

/** Where compared exchanges go (the store's Recorder). */
export interface ComparedSink {
  recordCompared(exchange: ComparedExchange, extras?: { noise?: readonly Divergence[] }): void
}

/**
 * Splits an exchange's divergences into divergences and noise (src/noise's
 * NoiseCanceller). Noise is recorded per field, never as divergent.
 */
export interface NoiseStage {
  cancel(
    exchange: Exchange,
    policy: ComparePolicy,
    divergences: Divergence[],
    opts?: { rejudge?: boolean },
  ): { divergences: Divergence[]; noise: readonly Divergence[]; awaiting?: string[] }
  /** True when the awaited fields' bounds are learned: a held exchange can be judged again. */
  boundsKnown?(method: string, route: string, keys: readonly string[]): boolean
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
  #held = new HeldExchanges()
  #holdTimer: NodeJS.Timeout | undefined

  constructor(sink: ComparedSink, stats: PipelineStats, maxQueue: number, noise?: NoiseStage) {
    this.#sink = sink
    this.#stats = stats
    this.#maxQueue = maxQueue
    this.#noise = noise
  }

  get queued(): number {
    return this.#queue.length
  }

  /** Exchanges waiting for a jitter bound before their noise verdict (held-exchanges.ts). */
  get held(): number {
    return this.#held.size
  }

  /** Held exchanges that found the hold full and kept their provisional verdict. */
  get heldOverflow(): number {
    return this.#held.overflow
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

  /** Resolves when the queue is empty and every held exchange is judged and recorded. */
  drain(): Promise<void> {
    if (this.#queue.length === 0 && !this.#scheduled) {
      this.#release(this.#held.takeAll())
      return Promise.resolve()
    }
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  #run = (): void => {
    const batch = this.#queue.length > BATCH ? this.#queue.splice(0, BATCH) : this.#queue.splice(0)
    for (const exchange of batch) this.#compare(exchange)
    this.#releaseReady()
    if (this.#queue.length > 0) {
      setImmediate(this.#run)
      return
    }
    this.#scheduled = false
    const waiters = this.#idle
    this.#idle = []
    if (waiters.length > 0) this.#release(this.#held.takeAll())
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
    const noise = this.#noise
    if (noise === undefined) return this.#record(exchange, divergences, [])
    let result: ReturnType<NoiseStage['cancel']>
    try {
      result = noise.cancel(exchange, exchange.match.policy, divergences)
    } catch {
      // A noise-stage bug must not hide anything: the rules' divergences stand.
      return this.#record(exchange, divergences, [])
    }
    const awaiting = result.awaiting
    if (awaiting !== undefined && noise.boundsKnown !== undefined && this.#held.add({ exchange, divergences, awaiting, heldAt: Date.now() })) {
      return this.#armHoldTimer()
    }
    this.#record(exchange, result.divergences, result.noise)
  }

  /** Judges again, and records, the held exchanges whose bounds are now learned (or that waited long enough). */
  #releaseReady(): void {
    const noise = this.#noise
    if (this.#held.size === 0 || noise?.boundsKnown === undefined) return
    const known = noise.boundsKnown.bind(noise)
    this.#release(this.#held.take((h) => known(h.exchange.request.method, h.exchange.route, h.awaiting), Date.now()))
  }

  #release(items: HeldExchange[]): void {
    for (const { exchange, divergences } of items) {
      let result: ReturnType<NoiseStage['cancel']> = { divergences, noise: [] }
      try {
        result = this.#noise!.cancel(exchange, exchange.match.policy, divergences, { rejudge: true })
      } catch {
        // As in #compare: the rules' divergences stand.
      }
      this.#record(exchange, result.divergences, result.noise)
    }
    if (this.#held.size === 0 && this.#holdTimer !== undefined) {
      clearTimeout(this.#holdTimer)
      this.#holdTimer = undefined
    }
  }

  /** A quiet route teaches no bound: release its held exchanges after HOLD_MS even without traffic. */
  #armHoldTimer(): void {
    if (this.#holdTimer !== undefined) return
    this.#holdTimer = setTimeout(() => {
      this.#holdTimer = undefined
      this.#releaseReady()
      if (this.#held.size > 0) this.#armHoldTimer()
    }, HOLD_MS)
    this.#holdTimer.unref()
  }

  #record(exchange: PendingExchange, divergences: Divergence[], noise: readonly Divergence[]): void {
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

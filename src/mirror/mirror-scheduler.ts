/**
 * Sends mirrored requests to the candidate (and the secondary, when one is
 * configured; and the primary replica in receiver mode) with hard bounds: at most `maxInFlight` exchanges on the wire,
 * at most `maxQueue` waiting, and everything beyond is dropped and counted.
 * A slow or stalled candidate therefore costs a fixed amount of memory and
 * nothing on the client's path; nginx's `mirror`, by contrast, holds the
 * client's request until the mirror subrequest finishes.
 */
import type { Side } from '../types.js'
import type { PipelineStats } from '../stats.js'
import type { PendingExchange } from './pending-exchange.js'
import { MirrorPools } from './mirror-pools.js'

export interface MirrorSchedulerOptions {
  primary: string
  candidate: string
  secondary: string | null
  maxInFlight: number
  maxQueue: number
  timeoutMs: number
  captureBytes: number
  maxResponseBytes: number
}

export class MirrorScheduler {
  #opts: MirrorSchedulerOptions
  #stats: PipelineStats
  #pools: MirrorPools
  #inFlight = 0
  // FIFO as an array with a moving head: O(1) push and shift without copying.
  #queue: PendingExchange[] = []
  #head = 0
  #idle: (() => void)[] = []
  /** Exchanges on the wire, for settledBefore(); a Set costs one add and one delete per exchange. */
  #out = new Set<PendingExchange>()
  #before: { t: number; resolve: () => void }[] = []
  // Set by destroy(): failures from then on are our own cancellations, not the candidate's.
  #destroying = false

  constructor(opts: MirrorSchedulerOptions, stats: PipelineStats) {
    this.#opts = opts
    this.#stats = stats
    // Never more calls per side on the wire than exchanges in flight.
    this.#pools = new MirrorPools({ ...opts, connections: opts.maxInFlight })
  }

  get inFlight(): number {
    return this.#inFlight
  }

  get queued(): number {
    return this.#queue.length - this.#head
  }

  /**
   * Whether submit() would take an exchange now (send or queue). The proxy
   * asks first so that a mirror about to be dropped is never built.
   */
  hasRoom(): boolean {
    return this.#inFlight < this.#opts.maxInFlight || this.queued < this.#opts.maxQueue
  }

  /** Sends now, queues, or drops (returns false and counts it). */
  submit(exchange: PendingExchange): boolean {
    if (this.#inFlight < this.#opts.maxInFlight) {
      this.#send(exchange)
      return true
    }
    if (this.queued < this.#opts.maxQueue) {
      this.#queue.push(exchange)
      return true
    }
    this.#stats.onDropped(exchange, 'queueFull')
    exchange.abandoned = true
    return false
  }

  /** Resolves once nothing is in flight or queued. */
  drain(): Promise<void> {
    if (this.#inFlight === 0 && this.queued === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  /**
   * Resolves once every exchange that started before `t` (epoch ms) has
   * settled or been dropped, whatever arrived since: a promotion step's
   * evaluation waits for its window's mirrors without waiting for a quiet
   * moment that steady traffic never gives (unlike drain()).
   */
  settledBefore(t: number): Promise<void> {
    if (!this.#pendingBefore(t)) return Promise.resolve()
    return new Promise((resolve) => this.#before.push({ t, resolve }))
  }

  #pendingBefore(t: number): boolean {
    if (this.queued > 0 && this.#queue[this.#head].at < t) return true
    for (const ex of this.#out) if (ex.at < t) return true
    return false
  }

  async close(): Promise<void> {
    await this.#pools.close()
  }

  /** Ends every mirror at once (used when shutdown has waited long enough). */
  async destroy(): Promise<void> {
    this.#destroying = true
    await this.#pools.destroy()
  }

  #send(exchange: PendingExchange): void {
    this.#inFlight++
    this.#stats.onMirrored(exchange)
    const sides = exchange.mirrorSides
    // The slot is held until EVERY side has answered, not only the first:
    // otherwise a slow secondary (or, in receiver mode, a slow primary
    // replica) would pile up in undici's unbounded pool queue, and drain()
    // would return while some sides are still out.
    let left = sides.length
    this.#out.add(exchange)
    const settled = () => {
      if (--left > 0) return
      this.#out.delete(exchange)
      this.#release()
    }
    for (let i = 0; i < sides.length; i++) this.#dispatch(exchange, sides[i], settled)
  }

  /** `settled` is called once when this side has a result (answer, error or timeout). */
  #dispatch(exchange: PendingExchange, side: Side, settled: () => void): void {
    // Every side but the primary is bounded by the primary's body (capture-handler.ts).
    const reference = side === 'primary' ? null : exchange
    const call = { side, method: exchange.request.method, path: exchange.request.url, headers: exchange.headers, body: exchange.requestBody, reference }
    this.#pools.send(call, (result) => {
      if (this.#destroying && !result.ok && !exchange.abandoned) {
        // Recording our own cancellation as a candidate error would count
        // against the candidate in every gate: drop it, counted.
        exchange.abandoned = true
        this.#stats.onDropped(exchange, 'shutdown')
      }
      settled()
      exchange.settle(side, result)
    })
  }

  #release(): void {
    this.#inFlight--
    while (this.#inFlight < this.#opts.maxInFlight && this.queued > 0) {
      const next = this.#queue[this.#head]
      this.#queue[this.#head++] = undefined as never
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head)
        this.#head = 0
      }
      // A mirror that waited longer than its own deadline would compare
      // against a primary answer that is no longer current: drop it.
      if (Date.now() - next.at > this.#opts.timeoutMs) {
        this.#stats.onDropped(next, 'stale')
        next.abandoned = true
        continue
      }
      this.#send(next)
    }
    if (this.#before.length > 0) {
      this.#before = this.#before.filter((w) => {
        if (this.#pendingBefore(w.t)) return true
        w.resolve()
        return false
      })
    }
    if (this.#inFlight === 0 && this.queued === 0 && this.#idle.length > 0) {
      const waiters = this.#idle
      this.#idle = []
      for (const resolve of waiters) resolve()
    }
  }
}

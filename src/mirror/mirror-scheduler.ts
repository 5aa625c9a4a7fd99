/**
 * Sends mirrored requests to the candidate (and the secondary, when one is
 * configured; and the primary replica in receiver mode) with hard bounds,
 * and everything beyond them is shed or dropped, and counted:
 *
 * - **How many in flight**: in `adaptive` mode (the default) a gradient
 *   controller on the candidate's latency (gradient-limit.ts) sets the limit
 *   between `minInFlight` and `maxInFlight`; in `fixed` mode it is
 *   `maxInFlight`.
 * - **How many bytes**: every exchange taken (queued or in flight) is counted
 *   in the memory budget until it settles (mirror-memory.ts); the limit never
 *   exceeds what the budget holds, and an exchange that does not fit is
 *   dropped (`queueFull`).
 * - **Which requests**: when the candidate cannot take them all, the proxy
 *   mirrors a uniform sample at the rate it can take (adaptive-share.ts),
 *   decided before the queue (`sample()`), and counts the rest as skipped
 *   (`adaptive`). The queue (`maxQueue`) then only absorbs bursts, and what
 *   does not fit is dropped as before.
 *
 * A slow or stalled candidate therefore costs a bounded amount of memory and
 * nothing on the client's path; nginx's `mirror`, by contrast, holds the
 * client's request until the mirror subrequest finishes.
 */
import type { Side } from '../types.js'
import type { PipelineStats } from '../stats.js'
import type { PendingExchange } from './pending-exchange.js'
import { MirrorPools } from './mirror-pools.js'
import { GradientLimit, GRADIENT_DEFAULTS } from './gradient-limit.js'
import { AdaptiveShare } from './adaptive-share.js'
import { MirrorMemory } from './mirror-memory.js'

export type ConcurrencyMode = 'adaptive' | 'fixed'


export interface MirrorSchedulerOptions {
  primary: string
  candidate: string
  secondary: string | null
  /** The ceiling of the adaptive limit; the limit itself in fixed mode. */
  maxInFlight: number
  /** The floor of the adaptive limit (and the concurrency of its probes). */
  minInFlight?: number
  maxQueue: number
  timeoutMs: number
  captureBytes: number
  maxResponseBytes: number
  concurrency?: ConcurrencyMode
  /** Bytes that queued and in-flight exchanges may hold together. */
  memoryBytes?: number
  /** Clock for the controller (tests). */
  now?: () => number
}

/** What /api/status shows of the scheduler. */
export interface MirrorControlStatus {
  concurrency: ConcurrencyMode
  /** The in-flight limit in force. */
  limit: number
  /** Share of eligible requests mirrored now, 0–1 (the rest: skipped `adaptive`). */
  share: number
  /** True while the no-load latency is measured (the limit is at its floor). */
  probing: boolean
  /** Last window's latency over no-load latency (worst route). */
  latencyRatio: number
  /** Service time of recent mirrors, ms (null before the first). */
  serviceMs: number | null
  memoryBytes: number
  memoryBudgetBytes: number
}

export class MirrorScheduler {
  #opts: MirrorSchedulerOptions
  #stats: PipelineStats
  #pools: MirrorPools
  #now: () => number
  #controller: GradientLimit | null
  #share: AdaptiveShare
  #memory: MirrorMemory
  #limit: number
  #timer: NodeJS.Timeout | null = null
  #inFlight = 0
  // Mean age of what is in flight, without a list: the sum of their send times.
  #sentAtSum = 0
  // Service time: the window's sum and count, and their smoothed mean.
  #serviceSum = 0
  #serviceCount = 0
  #serviceMs = NaN
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
    this.#now = opts.now ?? (() => performance.now())
    // Never more calls per side on the wire than the ceiling.
    this.#pools = new MirrorPools({ ...opts, connections: opts.maxInFlight })
    this.#memory = new MirrorMemory(opts.memoryBytes ?? Infinity, opts.captureBytes)
    const now = this.#now()
    this.#share = new AdaptiveShare(now)
    if ((opts.concurrency ?? 'adaptive') === 'adaptive') {
      this.#controller = new GradientLimit({ floor: opts.minInFlight ?? 4, ceiling: opts.maxInFlight }, now)
      this.#limit = this.#controller.limit
      this.#timer = setInterval(this.tick, GRADIENT_DEFAULTS.windowMs)
      // The controller must not keep a finished process alive.
      this.#timer.unref()
    } else {
      this.#controller = null
      this.#limit = opts.maxInFlight
    }
  }

  get inFlight(): number {
    return this.#inFlight
  }

  get queued(): number {
    return this.#queue.length - this.#head
  }

  /** The in-flight limit in force. */
  get limit(): number {
    return this.#limit
  }

  /** Share of eligible requests mirrored now, 0–1. */
  get share(): number {
    return this.#share.share
  }

  /** Bytes held by queued and in-flight exchanges. */
  get memoryBytes(): number {
    return this.#memory.heldBytes
  }

  status(): MirrorControlStatus {
    return {
      concurrency: this.#controller === null ? 'fixed' : 'adaptive',
      limit: this.#limit,
      share: this.#share.share,
      probing: this.#controller?.probing ?? false,
      latencyRatio: this.#controller?.ratio ?? 1,
      serviceMs: Number.isFinite(this.#serviceMs) ? this.#serviceMs : null,
      memoryBytes: this.#memory.heldBytes,
      memoryBudgetBytes: this.#memory.budgetBytes,
    }
  }

  /**
   * Whether a request of `route` is in the adaptive sample (always, in fixed
   * mode or while the candidate takes everything). Asked once per eligible
   * request, before anything is built for its mirror; O(1), allocation-free.
   */
  sample(route: string): boolean {
    return this.#controller === null || this.#share.take(route)
  }

  /**
   * Whether submit() would take an exchange now (send or queue). The proxy
   * asks first so that a mirror about to be dropped is never built.
   */
  hasRoom(): boolean {
    return (this.#inFlight < this.#limit || this.queued < this.#opts.maxQueue) && this.#memory.hasRoom()
  }

  /** Sends now, queues, or drops (returns false and counts it). */
  submit(exchange: PendingExchange): boolean {
    const room = this.#inFlight < this.#limit || this.queued < this.#opts.maxQueue
    if (!room || !this.#memory.reserve(exchange)) {
      this.#stats.onDropped(exchange, 'queueFull')
      exchange.abandoned = true
      return false
    }
    exchange.memory = this.#memory
    if (this.#inFlight < this.#limit) this.#send(exchange)
    else this.#queue.push(exchange)
    return true
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
    this.#stopTimer()
    await this.#pools.close()
  }

  /** Ends every mirror at once (used when shutdown has waited long enough). */
  async destroy(): Promise<void> {
    this.#stopTimer()
    this.#destroying = true
    await this.#pools.destroy()
  }

  /**
   * One controller window: the limit from the latencies seen, under what the
   * memory budget holds; then the share from the new limit. Runs on a timer
   * (every 100 ms), never on a request's path; public for tests.
   */
  readonly tick = (): void => {
    const controller = this.#controller
    if (controller === null) return
    const now = this.#now()
    if (this.#serviceCount > 0) {
      const mean = this.#serviceSum / this.#serviceCount
      this.#serviceMs = Number.isFinite(this.#serviceMs) ? (this.#serviceMs + mean) / 2 : mean
      this.#serviceSum = 0
      this.#serviceCount = 0
    }
    this.#limit = controller.update(now, this.#memory.capacity())
    const meanAgeMs = this.#inFlight > 0 ? now - this.#sentAtSum / this.#inFlight : 0
    this.#share.update(now, { limit: this.#limit, serviceMs: this.#serviceMs, meanAgeMs, queued: this.queued, maxQueue: this.#opts.maxQueue, timeoutMs: this.#opts.timeoutMs })
    // A raised limit takes from the queue at once.
    this.#fill()
    this.#wakeIdle()
  }

  #stopTimer(): void {
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
  }

  #send(exchange: PendingExchange): void {
    this.#inFlight++
    this.#stats.onMirrored(exchange)
    const sentAt = this.#now()
    const inFlightAtSend = this.#inFlight
    this.#sentAtSum += sentAt
    this.#controller?.onSend(inFlightAtSend)
    const sides = exchange.mirrorSides
    // The slot is held until EVERY side has answered, not only the first:
    // otherwise a slow secondary (or, in receiver mode, a slow primary
    // replica) would pile up in undici's unbounded pool queue, and drain()
    // would return while some sides are still out. The slot's time is the
    // latency the controller sees.
    let left = sides.length
    let ok = true
    this.#out.add(exchange)
    const settled = (sideOk: boolean) => {
      ok &&= sideOk
      if (--left > 0) return
      this.#out.delete(exchange)
      const latencyMs = this.#now() - sentAt
      this.#sentAtSum -= sentAt
      this.#serviceSum += latencyMs
      this.#serviceCount++
      this.#controller?.onSample(exchange.route, sentAt, latencyMs, inFlightAtSend, ok, referenceLatency(exchange))
      this.#release()
    }
    for (let i = 0; i < sides.length; i++) this.#dispatch(exchange, sides[i], settled)
  }

  /** `settled` is called once when this side has a result (answer, error or timeout). */
  #dispatch(exchange: PendingExchange, side: Side, settled: (ok: boolean) => void): void {
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
      settled(result.ok)
      exchange.settle(side, result)
    })
  }

  #release(): void {
    this.#inFlight--
    this.#fill()
    this.#wakeIdle()
  }

  #wakeIdle(): void {
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

  /** Sends from the queue while the limit allows. */
  #fill(): void {
    while (this.#inFlight < this.#limit && this.queued > 0) {
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
        next.memory?.release(next)
        next.memory = null
        continue
      }
      this.#send(next)
    }
  }
}

/**
 * The latency of the exchange's other compared side, when it has answered:
 * the primary (served in shadow mode, a mirrored replica in receiver mode),
 * or the candidate when it serves and the primary is mirrored. Our own
 * delays show in it as in the mirror's (gradient-limit.ts).
 */
function referenceLatency(exchange: PendingExchange): number {
  const other = exchange.mirrorSides.includes('candidate') ? exchange.primary : exchange.candidate
  return other !== undefined && other.ok ? other.latencyMs : NaN
}

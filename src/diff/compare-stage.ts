/**
 * The comparison stage: settled exchanges wait in a bounded queue and are
 * compared in batches on a later turn of the event loop, so client I/O that
 * is already pending goes first. Beyond the bound, exchanges are dropped and
 * counted, never buffered without limit.
 *
 * Each side's body is content-decoded first when it was sent encoded
 * (decode-body.ts, bounded by the capture cap): the comparison, the noise
 * stage and the store all see the decoded body.
 */
import type { ComparedExchange, Divergence, Exchange, SideResult } from '../types.js'
import type { PipelineStats } from '../stats.js'
import type { PendingExchange } from '../mirror/pending-exchange.js'
import type { ComparePolicy } from './policy.js'
import { compareResponses } from './compare-responses.js'
import { decodeSide } from './decode-body.js'
import { headerValue } from './media-type.js'
import { HeldExchanges, HOLD_MS } from './held-exchanges.js'
import type { HeldExchange, HeldField, JudgedExchange } from './held-exchanges.js'

/** Where compared exchanges go (the store's Recorder). */
export interface ComparedSink {
  recordCompared(exchange: ComparedExchange, extras?: { noise?: readonly Divergence[]; policy?: ComparePolicy }): void
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
  ): { divergences: Divergence[]; noise: readonly Divergence[]; awaiting?: HeldField[] }
  /** True when what a held exchange awaits is known now: it can be judged again. */
  decidable?(method: string, route: string, awaiting: readonly HeldField[]): boolean
}

export interface CompareStageOptions {
  /** Most bytes of decoded content kept per side (config diff.captureBytes; default 256 KiB). */
  captureBytes?: number
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
  #captureBytes: number
  #undecided = 0

  constructor(sink: ComparedSink, stats: PipelineStats, maxQueue: number, noise?: NoiseStage, opts: CompareStageOptions = {}) {
    this.#sink = sink
    this.#stats = stats
    this.#maxQueue = maxQueue
    this.#noise = noise
    this.#captureBytes = opts.captureBytes ?? 256 * 1024
  }

  get queued(): number {
    return this.#queue.length
  }

  /** Exchanges waiting for evidence before their noise verdict (held-exchanges.ts). */
  get held(): number {
    return this.#held.size
  }

  /** Exchanges that found the hold full and were recorded at once, what they awaited as undecided. */
  get heldOverflow(): number {
    return this.#held.overflow
  }

  /** Exchanges recorded with differences left undecided (an `undecided` divergence). */
  get undecided(): number {
    return this.#undecided
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

  #compare(pending: PendingExchange): void {
    const exchange = this.#decoded(pending)
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
    if (awaiting !== undefined && noise.decidable !== undefined && this.#held.add({ exchange, divergences, awaiting, heldAt: Date.now() })) {
      return this.#armHoldTimer()
    }
    // Not held (nothing awaited, or the hold is full): what awaited evidence is recorded as undecided.
    this.#record(exchange, result.divergences, result.noise)
  }

  /**
   * The exchange with every encoded body decoded (decode-body.ts). Two sides
   * with the same encoded bytes are decoded once.
   */
  #decoded(pending: PendingExchange): JudgedExchange {
    const cap = this.#captureBytes
    const { primary, candidate, secondary } = pending
    const p = decode(primary, cap)
    const c = sameBytes(candidate, primary) ? withBodyOf(candidate, p) : decode(candidate, cap)
    const s = secondary === undefined ? undefined : sameBytes(secondary, primary) ? withBodyOf(secondary, p) : decode(secondary, cap)
    const out: JudgedExchange = {
      id: pending.id,
      at: pending.at,
      request: pending.request,
      requestBody: pending.requestBody,
      route: pending.route,
      primary: p,
      candidate: c,
      match: pending.match,
    }
    if (s !== undefined) out.secondary = s
    return out
  }

  /** Judges again, and records, the held exchanges that are decidable now (or that waited long enough). */
  #releaseReady(): void {
    const noise = this.#noise
    if (this.#held.size === 0 || noise?.decidable === undefined) return
    const decidable = noise.decidable.bind(noise)
    this.#release(this.#held.take((h) => decidable(h.exchange.request.method, h.exchange.route, h.awaiting), Date.now()))
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

  /** A quiet route teaches nothing: release its held exchanges after HOLD_MS even without traffic. */
  #armHoldTimer(): void {
    if (this.#holdTimer !== undefined) return
    this.#holdTimer = setTimeout(() => {
      this.#holdTimer = undefined
      this.#releaseReady()
      if (this.#held.size > 0) this.#armHoldTimer()
    }, HOLD_MS)
    this.#holdTimer.unref()
  }

  #record(exchange: JudgedExchange, divergences: Divergence[], noise: readonly Divergence[]): void {
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
    this.#stats.onCompared(exchange.primary, exchange.candidate)
    if (divergences.length > 0) this.#stats.divergent++
    if (divergences.some((d) => d.kind === 'undecided')) this.#undecided++
    this.#sink.recordCompared(compared, noise.length > 0 ? { noise, policy: exchange.match.policy } : { policy: exchange.match.policy })
    for (const observer of this.#observers) observer(compared, noise)
  }
}

function decode(side: SideResult, cap: number): SideResult {
  return side.ok ? decodeSide(side, cap) : side
}

/** Both answered an encoded body with the same coding and the same bytes: decode once. */
function sameBytes(x: SideResult, primary: SideResult): boolean {
  if (!x.ok || !primary.ok || !x.complete || !primary.complete || x.body.length !== primary.body.length) return false
  const coding = headerValue(primary.headers, 'content-encoding')
  return coding !== undefined && coding === headerValue(x.headers, 'content-encoding') && x.body.equals(primary.body)
}

/** `x` with the body decoded for another side (same coding, same bytes). */
function withBodyOf(x: SideResult, decoded: SideResult): SideResult {
  if (!x.ok || !decoded.ok) return x
  const out = { ...x, body: decoded.body, size: decoded.size, complete: decoded.complete }
  if (decoded.encoding !== undefined) out.encoding = decoded.encoding
  delete out.sha256
  return out
}

/**
 * The mirror's in-flight limit, adapted to the candidate's latency by a
 * gradient controller (Envoy's adaptive concurrency filter; Netflix
 * concurrency-limits' Gradient2), between a floor and a ceiling:
 *
 *   every window:  r = latency now / no-load latency
 *                  g = clamp(tolerance / r, 0.5, 2)
 *                  limit = r ≤ tolerance ? limit·g + √(limit·g)   (grow, with headroom)
 *                                        : limit·g                (shrink)
 *
 * - **No-load latency** is measured, not guessed: every `probeIntervalMs`
 *   (and at start) the limit is pinned to the floor until `probeSamples`
 *   mirrors sent with at most `floor` in flight have come back (Envoy's
 *   minRTT calculation). A candidate that is only lightly loaded by us then
 *   shows its unloaded latency, whatever load we put on it the rest of the
 *   time, so the baseline cannot drift upwards with the load (Gradient2's
 *   long-term average does).
 * - **Per route**: routes differ in their own latency (a report export takes
 *   seconds, a health check a millisecond), so each sample is compared with
 *   its own route's baseline; routes are bounded (`maxRoutes`).
 * - **Latency now** is, per route, the *minimum* over the window (CoDel's
 *   interval minimum): a queue that persists for the whole window raises the
 *   minimum, a burst or our own event-loop hiccup does not. The window's
 *   signal is the worst route's ratio (each with at least 3 samples), so a
 *   route with a knee is never hidden by fast ones. Differences under
 *   `slackMs` (1 ms) are scheduling noise and ignored.
 * - **Headroom only below the tolerance**: Envoy and Gradient2 always add
 *   √limit, which at small limits holds a candidate at more than twice its
 *   tolerance; here the limit only shrinks once the ratio is above it, so a
 *   candidate whose latency grows with concurrency settles where its latency
 *   is about `tolerance` × unloaded (1.5 by default: within 2×).
 * - **Not app-limited**: the limit only grows when the window used at least
 *   half of it (Gradient2), so a quiet period does not inflate it.
 *
 * Pure logic on a caller's clock (performance.now() in production, a fake
 * one in tests); the scheduler feeds it samples and calls update().
 */

export interface GradientLimitOptions {
  /** Lowest limit, and the concurrency of probes. */
  floor: number
  /** Highest limit (the pool's connections). */
  ceiling: number
  /** Accepted latency over no-load (ratio); above it the limit shrinks. */
  tolerance?: number
  /** Length of a window, in ms. */
  windowMs?: number
  /** How often the no-load latency is measured again, in ms. */
  probeIntervalMs?: number
  /** Samples that end a probe. */
  probeSamples?: number
  /** A probe that has not gathered its samples by then ends anyway, in ms. */
  probeMaxMs?: number
  /** Routes with a baseline at most; further routes do not steer the limit. */
  maxRoutes?: number
  /** Latency differences under this are noise, in ms. */
  slackMs?: number
}

export const GRADIENT_DEFAULTS = {
  tolerance: 1.5,
  windowMs: 100,
  probeIntervalMs: 30_000,
  probeSamples: 24,
  probeMaxMs: 2_000,
  maxRoutes: 256,
  slackMs: 1,
} as const

/** Per route: its no-load latency, and the current window's minimum. */
interface RouteLatency {
  baseline: number
  /** Minimum of the samples gathered in the current probe. */
  probeMin: number
  windowMin: number
  windowCount: number
}

/** A route steers a window only with this many samples in it: one sample is an anecdote. */
const MIN_WINDOW_SAMPLES = 3

export class GradientLimit {
  readonly floor: number
  readonly ceiling: number
  #opts: Required<Omit<GradientLimitOptions, 'floor' | 'ceiling'>>
  #limit: number
  /** The limit to go back to after a probe. */
  #beforeProbe: number
  #routes = new Map<string, RouteLatency>()
  #probing = true
  #probeStarted: number
  #probeCount = 0
  #nextProbe = Infinity
  #windowStarted: number
  #maxInFlight = 0
  /** Last window's signal (worst route's latency over its baseline), for status. */
  #ratio = 1

  constructor(opts: GradientLimitOptions, now: number) {
    this.ceiling = Math.max(1, Math.floor(opts.ceiling))
    this.floor = Math.max(1, Math.min(this.ceiling, Math.floor(opts.floor)))
    this.#opts = { ...GRADIENT_DEFAULTS, ...stripUndefined(opts) }
    this.#limit = this.floor
    this.#beforeProbe = this.floor
    this.#probeStarted = now
    this.#windowStarted = now
  }

  /** The concurrency allowed now (an integer from floor to ceiling). */
  get limit(): number {
    return this.#probing ? this.floor : Math.floor(this.#limit)
  }

  /** True while the no-load latency is being measured. */
  get probing(): boolean {
    return this.#probing
  }

  /** Last window's worst latency ratio over no-load (1 = unloaded). */
  get ratio(): number {
    return this.#ratio
  }

  /** The no-load latency of `route` in ms, once measured. */
  baseline(route: string): number | undefined {
    const r = this.#routes.get(route)
    return r === undefined || r.baseline === Infinity ? undefined : r.baseline
  }

  /** Tells the limit how many are in flight now (the scheduler calls it on every send). */
  onSend(inFlight: number): void {
    if (inFlight > this.#maxInFlight) this.#maxInFlight = inFlight
  }

  /**
   * One finished mirror: its route, how long its slot was held, how many were
   * in flight when it was sent (itself included), and whether every side
   * answered (only answers make a baseline; failures still show latency).
   */
  onSample(route: string, latencyMs: number, inFlightAtSend: number, ok: boolean): void {
    let r = this.#routes.get(route)
    if (r === undefined) {
      if (this.#routes.size >= this.#opts.maxRoutes) return
      r = { baseline: Infinity, probeMin: Infinity, windowMin: Infinity, windowCount: 0 }
      this.#routes.set(route, r)
    }
    const unloaded = inFlightAtSend <= this.floor
    if (ok && unloaded) {
      // Sent while we barely loaded the candidate: a no-load measurement.
      if (this.#probing) {
        if (latencyMs < r.probeMin) r.probeMin = latencyMs
        this.#probeCount++
      }
      if (latencyMs < r.baseline) r.baseline = latencyMs
    }
    if (r.baseline === Infinity) return
    if (latencyMs < r.windowMin) r.windowMin = latencyMs
    r.windowCount++
  }

  /** Ends the window if it is over (or the probe); returns the limit in force. `cap` lowers the ceiling (the memory budget). */
  update(now: number, cap = this.ceiling): number {
    const ceiling = Math.max(this.floor, Math.min(this.ceiling, cap))
    if (this.#probing) {
      if (this.#probeCount >= this.#opts.probeSamples || now - this.#probeStarted >= this.#opts.probeMaxMs) this.#endProbe(now)
      return this.limit
    }
    if (now - this.#windowStarted < this.#opts.windowMs) return this.limit
    // A window lasts until some route has enough samples: a slow candidate
    // at a low limit fills a window in more than 100 ms, and a window
    // without evidence must not end (nor move the limit).
    const ratio = this.#windowRatio()
    if (ratio !== null) {
      const used = this.#maxInFlight
      this.#windowStarted = now
      this.#maxInFlight = 0
      this.#ratio = ratio
      const tolerance = this.#opts.tolerance
      const g = Math.max(0.5, Math.min(2, tolerance / ratio))
      if (ratio > tolerance) this.#limit = this.#limit * g
      // Grow only when the window used at least half of the limit.
      else if (used * 2 >= this.#limit) this.#limit = this.#limit * g + Math.sqrt(this.#limit * g)
    }
    this.#limit = Math.max(this.floor, Math.min(ceiling, this.#limit))
    if (now >= this.#nextProbe) this.#startProbe(now)
    return this.limit
  }

  /**
   * The worst route's window minimum over its baseline, and a new window; or
   * null (the window goes on) when no route has enough samples yet.
   */
  #windowRatio(): number | null {
    const slack = this.#opts.slackMs
    let worst: number | null = null
    for (const r of this.#routes.values()) {
      if (r.windowCount >= MIN_WINDOW_SAMPLES) {
        const ratio = (r.windowMin + slack) / (r.baseline + slack)
        if (worst === null || ratio > worst) worst = ratio
      }
    }
    if (worst === null) return null
    for (const r of this.#routes.values()) {
      r.windowMin = Infinity
      r.windowCount = 0
    }
    return worst
  }

  #startProbe(now: number): void {
    this.#beforeProbe = this.#limit
    this.#probing = true
    this.#probeStarted = now
    this.#probeCount = 0
    for (const r of this.#routes.values()) r.probeMin = Infinity
  }

  #endProbe(now: number): void {
    // A route seen in the probe gets the probe's minimum, even if higher than
    // before: the candidate may have become slower for good (a new build).
    for (const r of this.#routes.values()) {
      if (r.probeMin !== Infinity) r.baseline = r.probeMin
      r.windowMin = Infinity
      r.windowCount = 0
    }
    this.#probing = false
    this.#limit = Math.max(this.floor, this.#beforeProbe)
    this.#windowStarted = now
    this.#maxInFlight = 0
    this.#nextProbe = now + this.#opts.probeIntervalMs
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}

/**
 * The mirror's in-flight limit, adapted to the candidate's latency by a
 * gradient controller (Envoy's adaptive concurrency filter; Netflix
 * concurrency-limits' Gradient2), between a floor and a ceiling:
 *
 *   every window:  r = latency now / no-load latency
 *                  g = clamp(tolerance / r, 0.5, 1.5)
 *                  limit = r ≤ tolerance ? limit·g + √(limit·g)   (grow, with headroom)
 *                                        : limit·g                (shrink)
 *
 * - **No-load latency** is measured, not guessed: any mirror sent with at
 *   most 1 in flight that answers is a no-load sample (the first ones
 *   after start are, though cold: new connections, code not yet optimised),
 *   and `firstProbeMs` (5 s) after start, a third of `probeIntervalMs` later
 *   (the first is taken by a process still warming up), every `probeIntervalMs` (30 s) after that, or as
 *   soon as a route keeps answering without a baseline, the limit is pinned to 1
 *   until `probeSamples` such mirrors have come back (Envoy's minRTT
 *   calculation); the baseline is the lower of the last two probes. A candidate that is only lightly loaded by us then shows
 *   its unloaded latency, whatever load we put on it the rest of the time,
 *   so the baseline cannot drift upwards with the load (Gradient2's
 *   long-term average does).
 * - **Start** at `initial` (32, like Gradient2's 20: a small burst at start
 *   is not shed while nothing is known); it may shrink from there at once,
 *   but grows only after the first probe.
 * - **Per route**: routes differ in their own latency (a report export takes
 *   seconds, a health check a millisecond), so each sample is compared with
 *   its own route's baseline; routes are bounded (`maxRoutes`).
 * - **Latency now** is, per route, the *minimum* over the window (CoDel's
 *   interval minimum): a queue that persists for the whole window raises the
 *   minimum, a burst or our own event-loop hiccup does not. The window's
 *   signal is the worst route's ratio (each with at least 3 samples), so a
 *   route with a knee is never hidden by fast ones. Differences under
 *   `slackMs` (2 ms) are scheduling noise and weigh little.
 * - **Our own delays are not the candidate's**: a sample is timed on our
 *   event loop, and a busy proxy (or a busy machine) adds its own delay to
 *   every answer it reads — several ms, against a fast candidate's one. The
 *   other side of the same exchanges (the primary, served through the same
 *   loop at the same moments) is the control group: what its minimum over
 *   the window shows above its route's all-time minimum is taken to be
 *   ours, and is taken off the candidate's window minimum (and a probe's). So a fast candidate is not taken for a queueing one
 *   when the proxy is the one that is slow. (It assumes the primary's own
 *   latency is steady; if the primary slows down, the candidate is judged
 *   more leniently by as much.)
 * - **Headroom only below the tolerance**: Envoy and Gradient2 always add
 *   √limit, which at small limits holds a candidate at more than twice its
 *   tolerance; here the headroom is √limit at no-load latency and fades to
 *   nothing at the tolerance, and above it the limit only shrinks, so a
 *   candidate whose latency grows with concurrency settles where its latency
 *   is about `tolerance` × unloaded (1.5 by default: within 2×).
 * - **One round trip per window**: a window judges only mirrors sent after
 *   it began, so it lasts at least one round trip and sees the effect of the
 *   limit it judges (TCP updates once per RTT for the same reason); judging
 *   a 300 ms candidate every 100 ms raised the limit three times before the
 *   first rise showed, and the limit swung from floor to twice the knee.
 * - **Not app-limited**: the limit only grows when the window used at least
 *   half of it (Gradient2), so a quiet period does not inflate it.
 *
 * Pure logic on a caller's clock (performance.now() in production, a fake
 * one in tests); the scheduler feeds it samples and calls update().
 */

export interface GradientLimitOptions {
  /** Lowest limit outside probes. */
  floor: number
  /** Highest limit (the pool's connections). */
  ceiling: number
  /** The limit before any evidence (clamped to floor–ceiling). */
  initial?: number
  /** Accepted latency over no-load (ratio); above it the limit shrinks. */
  tolerance?: number
  /** Length of a window, in ms. */
  windowMs?: number
  /** When the no-load latency is first measured (warm), in ms after start. */
  firstProbeMs?: number
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
  initial: 32,
  tolerance: 1.5,
  windowMs: 100,
  firstProbeMs: 5_000,
  probeIntervalMs: 30_000,
  probeSamples: 8,
  probeMaxMs: 2_000,
  maxRoutes: 256,
  slackMs: 2,
} as const

/** Per route: its no-load latency, and the current window's minimum. */
interface RouteLatency {
  baseline: number
  /** Minimum of the samples gathered in the current probe. */
  probeMin: number
  windowMin: number
  windowCount: number
  /** The lowest latency of the other side (the reference) seen on this route, ever, in the probe, in the window. */
  referenceMin: number
  probeReferenceMin: number
  windowReferenceMin: number
  /** The previous probe's result (or the no-load samples before the first probe). */
  lastProbe: number
}

/**
 * Mirrors in flight during a probe, and at most in flight when a sample
 * counts as no-load: one, so that a candidate that queues shows its latency
 * alone, not with the floor's others (at 4 a 20 ms + 1 ms per request
 * candidate would show 24 ms, and every later ratio would be judged against it).
 */
const PROBE_CONCURRENCY = 1

/** A route steers a window only with this many samples in it: one sample is an anecdote. */
const MIN_WINDOW_SAMPLES = 3

export class GradientLimit {
  readonly floor: number
  readonly ceiling: number
  #opts: Required<Omit<GradientLimitOptions, 'floor' | 'ceiling' | 'initial'>>
  #limit: number
  /** The limit to go back to after a probe. */
  #beforeProbe: number
  #routes = new Map<string, RouteLatency>()
  #probing = false
  #probeStarted = -Infinity
  #probeCount = 0
  #nextProbe: number
  /** Samples of routes without a baseline since the last probe: enough of them start one. */
  #unmeasured = 0
  /** Probes ended so far. */
  #probes = 0
  #windowStarted: number
  #maxInFlight = 0
  /** Last window's signal (worst route's latency over its baseline), for status. */
  #ratio = 1

  constructor(opts: GradientLimitOptions, now: number) {
    this.ceiling = Math.max(1, Math.floor(opts.ceiling))
    this.floor = Math.max(1, Math.min(this.ceiling, Math.floor(opts.floor)))
    const { initial, ...rest } = { ...GRADIENT_DEFAULTS, ...stripUndefined(opts) }
    this.#opts = rest
    this.#limit = Math.max(this.floor, Math.min(this.ceiling, initial))
    this.#beforeProbe = this.#limit
    this.#nextProbe = now + this.#opts.firstProbeMs
    this.#windowStarted = now
  }

  /** The concurrency allowed now (an integer from floor to ceiling; 1 while probing). */
  get limit(): number {
    return this.#probing ? PROBE_CONCURRENCY : Math.floor(this.#limit)
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
   * One finished mirror: its route, when it was sent (the caller's clock),
   * how long its slot was held, how many were in flight when it was sent
   * (itself included), and whether every side answered (only answers make a
   * baseline; failures still show latency).
   */
  onSample(route: string, sentAt: number, measuredMs: number, inFlightAtSend: number, ok: boolean, referenceMs = NaN): void {
    let r = this.#routes.get(route)
    if (r === undefined) {
      if (this.#routes.size >= this.#opts.maxRoutes) return
      r = { baseline: Infinity, probeMin: Infinity, windowMin: Infinity, windowCount: 0, referenceMin: Infinity, probeReferenceMin: Infinity, windowReferenceMin: Infinity, lastProbe: Infinity }
      this.#routes.set(route, r)
    }
    const latencyMs = measuredMs
    const hasReference = referenceMs >= 0
    if (hasReference && referenceMs < r.referenceMin) r.referenceMin = referenceMs
    const unloaded = inFlightAtSend <= PROBE_CONCURRENCY
    if (ok && unloaded) {
      // Sent while we barely loaded the candidate: a no-load measurement.
      if (this.#probing && sentAt >= this.#probeStarted) {
        if (latencyMs < r.probeMin) r.probeMin = latencyMs
        if (hasReference && referenceMs < r.probeReferenceMin) r.probeReferenceMin = referenceMs
        this.#probeCount++
      }
      if (latencyMs < r.baseline) r.baseline = latencyMs
      if (!this.#probing && latencyMs < r.lastProbe) r.lastProbe = latencyMs
    }
    if (r.baseline === Infinity) {
      // Only answers can make a baseline: failures (refused, timed out) never start a probe.
      if (ok) this.#unmeasured++
      return
    }
    if (sentAt < this.#windowStarted) return
    if (latencyMs < r.windowMin) r.windowMin = latencyMs
    if (hasReference && referenceMs < r.windowReferenceMin) r.windowReferenceMin = referenceMs
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
      // At most ×1.5 a round trip: a faster rise overshoots a knee before the next window sees it.
      const g = Math.max(0.5, Math.min(1.5, tolerance / ratio))
      if (ratio > tolerance) this.#limit = this.#limit * g
      // Grow only when the window used at least half of the limit; the
      // headroom fades as the latency nears the tolerance, so the limit
      // creeps up to a knee instead of jumping past it.
      // Nor before the first probe: a cold process measures its first no-load
      // samples high, and a limit grown on them overshoots once it is measured.
      else if (used * 2 >= this.#limit && this.#probes > 0) {
        const fade = Math.min(1, (tolerance - ratio) / (tolerance - 1))
        this.#limit = this.#limit * g + Math.sqrt(this.#limit * g) * fade
      }
    }
    this.#limit = Math.max(this.floor, Math.min(ceiling, this.#limit))
    // A route answering without a baseline measures as soon as it has shown
    // up enough, at most once a second; the others every probeIntervalMs.
    const unmeasured = this.#unmeasured >= this.#opts.probeSamples && now - this.#probeStarted >= 1_000
    if (now >= this.#nextProbe || unmeasured) this.#startProbe(now)
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
        const ratio = (ownDelayRemoved(r.windowMin, r.windowReferenceMin, r.referenceMin) + slack) / (r.baseline + slack)
        if (worst === null || ratio > worst) worst = ratio
      }
    }
    if (worst === null) return null
    for (const r of this.#routes.values()) {
      r.windowMin = Infinity
      r.windowReferenceMin = Infinity
      r.windowCount = 0
    }
    return worst
  }

  #startProbe(now: number): void {
    this.#beforeProbe = this.#limit
    this.#probing = true
    this.#probeStarted = now
    this.#probeCount = 0
    this.#unmeasured = 0
    for (const r of this.#routes.values()) {
      r.probeMin = Infinity
      r.probeReferenceMin = Infinity
    }
  }

  #endProbe(now: number): void {
    // A route seen in the probe gets the lower of this probe's minimum and
    // the last one's, even if higher than its baseline was: the candidate may
    // have become slower for good (a new build), and two probes in a row say
    // so; one probe taken while our own process was starved does not.
    for (const r of this.#routes.values()) {
      if (r.probeMin !== Infinity) {
        const measured = ownDelayRemoved(r.probeMin, r.probeReferenceMin, r.referenceMin)
        r.baseline = Math.min(measured, r.lastProbe)
        r.lastProbe = measured
      }
      r.windowMin = Infinity
      r.windowReferenceMin = Infinity
      r.windowCount = 0
    }
    this.#probing = false
    // Resume at half the limit before: the new baseline may show that it was
    // already past the knee (a cold start measures a high baseline), and a
    // healthy candidate gets it back within a round trip or two.
    this.#limit = Math.max(this.floor, this.#beforeProbe / 2)
    this.#windowStarted = now
    this.#maxInFlight = 0
    // The second probe comes sooner: the first is taken by a process still warming up.
    this.#nextProbe = now + (this.#probes++ === 0 ? this.#opts.probeIntervalMs / 3 : this.#opts.probeIntervalMs)
  }
}

/**
 * A minimum latency without what our own delay added to it: the reference's
 * minimum over the same samples above its all-time minimum (never more than
 * nine tenths of the latency: it is an estimate). Minimums on both sides, not
 * per sample: a per-sample correction subtracts every spike of the reference,
 * and the minimum then picks the largest.
 */
function ownDelayRemoved(latencyMin: number, referenceMin: number, referenceFloor: number): number {
  if (referenceMin === Infinity || referenceFloor === Infinity) return latencyMin
  return Math.max(latencyMin - Math.max(0, referenceMin - referenceFloor), latencyMin / 10)
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}

/**
 * Fair shedding: when the candidate cannot take every mirror, mirror a
 * uniform sample at the rate it can take, decided before anything is
 * queued, instead of dropping whatever arrives while the queue is full
 * (tail drops cluster at peaks and behind slow answers, so they bias the
 * report towards the fast paths).
 *
 * The share follows Little's law: a candidate that holds `limit` mirrors for
 * `S` ms each completes `c = limit / S` per ms, so
 *
 *   share = (1.1 · c + (Q − queued) / (queued < Q/2 ? window : 1 s)) / offered per ms,  clamped to 0–1
 *   Q     = min(maxQueue / 2, c · timeout / 2)
 *
 * 10 % above capacity keeps the limit in use (so the controller can see the
 * candidate at its limit and raise it). The queue term lets a burst fill the
 * queue up to `Q` at once (a short burst is not shed: the queue is there for
 * it), and near it fills or drains over a second, so that the share does
 * not swing between windows: `Q` is the backlog the candidate
 * serves in half the mirror timeout (more would go stale before it is sent),
 * and at most half the queue (the other half takes the bursts of the next
 * window). `S` is the service time of recent mirrors, never
 * less than twice the mean age of those still out: a stalled candidate
 * answers nothing, and the age of what it holds is the only evidence.
 *
 * The sample itself is deterministic error diffusion per route (Traefik's
 * `sent · 100 < seen · percent` generalised to a share that changes): each
 * route adds the share to its own credit and is mirrored when the credit
 * reaches one. Every route is mirrored at the share, exactly (⌊n · share⌋ or
 * one more of n requests), whatever the order routes arrive in: one global
 * counter would alias with periodic traffic (A, B, A, B at 50 % mirrors
 * only A). At 100 % it is one comparison; below, one Map lookup of a known
 * route and integer arithmetic: O(1), nothing allocated.
 */

/** Shares are integers in millionths: exact counts, and small integers never allocate. */
export const SHARE_ONE = 1_000_000
/** Routes with a credit of their own at most; the rest share one. */
const MAX_ROUTES = 1024

export interface ShareInputs {
  /** The in-flight limit in force (the controller's, under the memory cap). */
  limit: number
  /** Service time of recent mirrors in ms (NaN before the first one). */
  serviceMs: number
  /** Mean age of the mirrors in flight now, ms (0 when none). */
  meanAgeMs: number
  queued: number
  maxQueue: number
  timeoutMs: number
}

export class AdaptiveShare {
  #share = SHARE_ONE
  #credits = new Map<string, number>()
  #overflow = SHARE_ONE
  #offered = 0
  #windowStarted: number

  constructor(now: number) {
    this.#windowStarted = now
  }

  /** The share mirrored now, 0–1. */
  get share(): number {
    return this.#share / SHARE_ONE
  }

  /** Whether this request of `route` is in the sample. Counts it as offered either way. */
  take(route: string): boolean {
    this.#offered++
    const share = this.#share
    if (share >= SHARE_ONE) return true
    if (share === 0) return false
    let credit = this.#credits.get(route)
    if (credit === undefined) {
      if (this.#credits.size >= MAX_ROUTES) return this.#takeOverflow(share)
      // A new route is mirrored first (as `sent · 100 < seen · percent` does).
      credit = SHARE_ONE - share
    }
    credit += share
    const taken = credit >= SHARE_ONE
    this.#credits.set(route, taken ? credit - SHARE_ONE : credit)
    return taken
  }

  /** Sets the share directly (0–1): tests, and the fixed mode. */
  set(share: number): void {
    this.#share = Math.round(Math.max(0, Math.min(1, share)) * SHARE_ONE)
  }

  /** Recomputes the share from the window that ends now; returns it (0–1). */
  update(now: number, s: ShareInputs): number {
    const elapsed = now - this.#windowStarted
    if (elapsed <= 0) return this.share
    const offeredPerMs = this.#offered / elapsed
    this.#offered = 0
    this.#windowStarted = now
    // Nothing offered: nothing to learn; keep the share for the next burst.
    if (offeredPerMs === 0) return this.share
    let service = Math.max(Number.isFinite(s.serviceMs) ? s.serviceMs : 0, 2 * s.meanAgeMs)
    if (service <= 0) {
      // Nothing measured yet and nothing out: no reason to shed.
      this.#share = SHARE_ONE
      return 1
    }
    service = Math.max(service, 0.01)
    const capacity = s.limit / service
    const backlog = Math.min(s.maxQueue / 2, (capacity * s.timeoutMs) / 2)
    // Below half the target backlog, fill it at once (a burst); nearer it, fill or drain over a second.
    const target = 1.1 * capacity + (backlog - s.queued) / (s.queued < backlog / 2 ? elapsed : 1_000)
    this.set(target / offeredPerMs)
    return this.share
  }

  #takeOverflow(share: number): boolean {
    this.#overflow += share
    if (this.#overflow < SHARE_ONE) return false
    this.#overflow -= SHARE_ONE
    return true
  }
}

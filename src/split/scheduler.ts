/**
 * The clock and timers the promotion runs on, injected so tests drive hours
 * of promotion in milliseconds without fake global timers.
 */

export interface Scheduler {
  now(): number
  /** Calls `fn` once after `ms`; returns a handle for `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

// setTimeout fires at once for delays above 2^31 - 1 ms (~24.8 days); longer
// waits are cut into slices and the caller re-checks the clock when one fires.
const MAX_DELAY = 2 ** 31 - 1

/** Real timers, unref'd so a pending promotion step never keeps the process alive. */
export const realScheduler: Scheduler = {
  now: Date.now,
  setTimeout(fn, ms) {
    return setTimeout(fn, Math.min(Math.max(0, ms), MAX_DELAY)).unref()
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout)
  },
}

/**
 * One timer for the deadlines of every mirrored call in flight, instead of
 * a setTimeout (and its closure) per call. All calls of a scheduler share
 * the same timeout, so the order they started in is the order they expire
 * in: a sweep walks the oldest first and stops at the first one still in
 * time. A call ends at most one sweep interval after its deadline.
 */

/** Something with a deadline that can be told it missed it. */
export interface Expiring {
  /** performance.now() value after which the call is abandoned. */
  readonly deadline: number
  expire(): void
}

export class DeadlineSweeper {
  readonly timeoutMs: number
  readonly intervalMs: number
  // A Set iterates in insertion order, and delete is O(1) from anywhere.
  #pending = new Set<Expiring>()
  #timer: NodeJS.Timeout | null = null

  constructor(timeoutMs: number) {
    this.timeoutMs = timeoutMs
    // A twentieth of the timeout: late by at most 5%, between 5 ms and 250 ms.
    this.intervalMs = Math.min(250, Math.max(5, Math.round(timeoutMs / 20)))
  }

  get size(): number {
    return this.#pending.size
  }

  add(item: Expiring): void {
    this.#pending.add(item)
    if (this.#timer === null) {
      this.#timer = setInterval(this.#sweep, this.intervalMs)
      // Deadlines must not keep a finished process alive.
      this.#timer.unref()
    }
  }

  delete(item: Expiring): void {
    this.#pending.delete(item)
  }

  #sweep = (): void => {
    const now = performance.now()
    for (const item of this.#pending) {
      if (item.deadline > now) break
      this.#pending.delete(item)
      item.expire()
    }
    if (this.#pending.size === 0 && this.#timer !== null) {
      clearInterval(this.#timer)
      this.#timer = null
    }
  }
}

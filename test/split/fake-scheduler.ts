/**
 * A manual clock for promotion tests: `advance(ms)` fires due timers in
 * order, so a five-step promotion with 5-minute intervals runs in
 * milliseconds without touching global timers.
 */
import type { Scheduler } from '../../src/split/scheduler.js'

interface Timer {
  id: number
  at: number
  fn: () => void
}

export class FakeScheduler implements Scheduler {
  time: number
  #timers: Timer[] = []
  #nextId = 1

  constructor(start = 1_700_000_000_000) {
    this.time = start
  }

  now = (): number => this.time

  setTimeout(fn: () => void, ms: number): unknown {
    const timer = { id: this.#nextId++, at: this.time + Math.max(0, ms), fn }
    this.#timers.push(timer)
    return timer.id
  }

  clearTimeout(handle: unknown): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle)
  }

  /** Timers not yet fired. */
  get pending(): number {
    return this.#timers.length
  }

  /** Fires the earliest timer due at or before `target` (moving the clock to it); false when none is. */
  fireNext(target: number): boolean {
    const due = this.#timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.id - b.id)[0]
    if (due === undefined) return false
    this.#timers = this.#timers.filter((t) => t !== due)
    this.time = Math.max(this.time, due.at)
    due.fn()
    return true
  }

  /** Moves the clock forward by `ms`, firing every timer that falls due, earliest first. */
  advance(ms: number): void {
    const target = this.time + ms
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.id - b.id)[0]
      if (due === undefined) break
      this.#timers = this.#timers.filter((t) => t !== due)
      this.time = Math.max(this.time, due.at)
      due.fn()
    }
    this.time = target
  }
}

/**
 * Exchanges whose noise verdict waits for a number's jitter bound.
 *
 * In the first exchanges of a route the noise stage knows that a number
 * jitters (the secondary differed there) but not by how much, so a jump far
 * beyond the jitter would pass as noise. Instead of recording that verdict,
 * the compare stage parks the exchange here and judges it again once the
 * bound is learned (a few exchanges later), when it has waited HOLD_MS, or on
 * drain. Nothing is on the client's path: the client was served long ago.
 *
 * Bounded: at most MAX_HELD exchanges (their bodies are in memory); beyond
 * it an exchange keeps its provisional verdict at once and is counted.
 */
import type { Divergence } from '../types.js'
import type { PendingExchange } from '../mirror/pending-exchange.js'

/** Few: only the first exchanges of a route with numeric noise are ever held. */
export const MAX_HELD = 256
/** A route too quiet to teach its bound in this time keeps the provisional verdict. */
export const HOLD_MS = 10_000

export interface HeldExchange {
  exchange: PendingExchange
  /** The rules' divergences, before noise cancellation: judged again from these. */
  divergences: Divergence[]
  /** Field keys whose bound is awaited. */
  awaiting: string[]
  heldAt: number
}

export class HeldExchanges {
  #items: HeldExchange[] = []
  /** Exchanges that found the hold full and kept their provisional verdict. */
  overflow = 0

  get size(): number {
    return this.#items.length
  }

  /** False (and counted) when full: the caller records the provisional verdict. */
  add(item: HeldExchange): boolean {
    if (this.#items.length >= MAX_HELD) {
      this.overflow++
      return false
    }
    this.#items.push(item)
    return true
  }

  /** Removes and returns the items that are ready, or have waited HOLD_MS by `now`. */
  take(ready: (item: HeldExchange) => boolean, now: number): HeldExchange[] {
    if (this.#items.length === 0) return []
    const out: HeldExchange[] = []
    const keep: HeldExchange[] = []
    for (const item of this.#items) (now - item.heldAt >= HOLD_MS || ready(item) ? out : keep).push(item)
    this.#items = keep
    return out
  }

  takeAll(): HeldExchange[] {
    const out = this.#items
    this.#items = []
    return out
  }
}

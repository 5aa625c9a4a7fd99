/**
 * Exchanges whose noise verdict waits for evidence the exchange itself does
 * not hold (src/noise/classify.ts):
 *
 * - a number that jumps beyond k × the jitter its own secondary shows, but
 *   not orders of magnitude beyond it, while the field's jitter bound is not
 *   learned yet;
 * - an order-only change, or a fresh value of a random-looking format, that
 *   no secondary answer showed as noise yet, while the route has fewer than
 *   coldSamples secondary answers: the next answers may show that noise.
 *
 * Instead of recording a guess, the compare stage parks the exchange here
 * and judges it again once the noise stage says it is decidable (a few
 * exchanges later), when it has waited HOLD_MS, or on drain. What is still
 * undecided then is recorded as `undecided`, never as equal. Nothing is on
 * the client's path: the client was served long ago.
 *
 * Bounded: at most MAX_HELD exchanges (their bodies are in memory); beyond
 * it an exchange is recorded at once, its undecided differences as
 * undecided, and counted.
 */
import type { Divergence, Exchange } from '../types.js'
import type { RuleMatch } from '../rules/types.js'

/** Few: only the first exchanges of a route are ever held. */
export const MAX_HELD = 256
/** A route too quiet to decide in this time has its exchange recorded as undecided. */
export const HOLD_MS = 10_000

/** A compared exchange, its bodies decoded, with the rules that matched it. */
export interface JudgedExchange extends Exchange {
  match: Pick<RuleMatch, 'policy' | 'rules'>
}

/** One field a held exchange waits on (the noise stage's AwaitedField). */
export interface HeldField {
  key: string
  wait: 'bound' | 'cold'
}

export interface HeldExchange {
  exchange: JudgedExchange
  /** The rules' divergences, before noise cancellation: judged again from these. */
  divergences: Divergence[]
  /** The fields awaited. */
  awaiting: HeldField[]
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

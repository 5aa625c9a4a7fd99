/**
 * When each replayed request goes out:
 *
 * - `none`: as fast as the concurrency bound allows (the default);
 * - `rate`: a fixed R requests per second, on a schedule from the first
 *   send (request i at start + i/R), so a late timer is made up by the
 *   next sends and the average holds;
 * - `speed`: the recorded spacing, divided by the factor (GoReplay's
 *   `--input-file "requests.gor|200%"`); records without a time go at once.
 *
 * A request is never sent early; waits are in absolute time, never summed.
 */
import { setTimeout as sleep } from 'node:timers/promises'

export type Pacing = { kind: 'none' } | { kind: 'rate'; perSecond: number } | { kind: 'speed'; factor: number }

export class Pacer {
  #pacing: Pacing
  #now: () => number
  #start: number | null = null
  #firstAt: number | null = null
  #sent = 0

  constructor(pacing: Pacing, now: () => number = () => performance.now()) {
    this.#pacing = pacing
    this.#now = now
  }

  /** Resolves when the next request (recorded at `at`, epoch ms, when known) may go. */
  async wait(at: number | null): Promise<void> {
    const p = this.#pacing
    if (p.kind === 'none') return
    const now = this.#now()
    this.#start ??= now
    let due: number
    if (p.kind === 'rate') {
      due = this.#start + (this.#sent++ * 1000) / p.perSecond
    } else {
      if (at === null) return
      this.#firstAt ??= at
      due = this.#start + (at - this.#firstAt) / p.factor
    }
    if (due > now) await sleep(due - now)
  }
}

/** `--rate 50`, `--rate 50/s`, `--rate 3000/m`: requests per second, or a problem. */
export function parseRate(text: string): number | string {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(s|sec|second|m|min|minute))?\s*$/i.exec(text)
  const n = m === null ? NaN : Number(m[1]) / (m[2] !== undefined && /^m/i.test(m[2]) ? 60 : 1)
  if (!Number.isFinite(n) || n <= 0) return `--rate: expected requests per second such as 50/s (or 3000/m), got '${text}'`
  return n
}

/** `--speed 2x`, `--speed 0.5`, `--speed 200%`: a factor over the recorded pace, or a problem. */
export function parseSpeed(text: string): number | string {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(x|%)?\s*$/i.exec(text)
  const n = m === null ? NaN : Number(m[1]) / (m[2] === '%' ? 100 : 1)
  if (!Number.isFinite(n) || n <= 0) return `--speed: expected a factor of the recorded pace such as 1x, 2x or 0.5x, got '${text}'`
  return n
}

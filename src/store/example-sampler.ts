/**
 * Per-minute budget of stored examples. A candidate that breaks an endpoint
 * outright diverges on every request; storing each one would turn the
 * recorder into a write-per-request store. Counts are never sampled: only
 * which divergent exchanges keep their details.
 */
export class ExampleSampler {
  #perMinute: number
  /** minute → (method, route, signature) → examples allowed in that minute. */
  #seen = new Map<number, Map<string, number>>()
  #sampledOut = 0

  /** `perMinute` 0 allows every example. */
  constructor(perMinute: number) {
    this.#perMinute = perMinute
  }

  /** True while (minute, method, route, signature) is under its budget; counts the call. */
  allow(minute: number, method: string, route: string, signature: string): boolean {
    if (this.#perMinute === 0) return true
    let counts = this.#seen.get(minute)
    if (counts === undefined) {
      counts = new Map()
      this.#seen.set(minute, counts)
      // Keep recent minutes only; a late exchange of a forgotten minute starts a fresh budget.
      for (const m of this.#seen.keys()) if (m < minute - 2) this.#seen.delete(m)
    }
    const key = `${method}\u0000${route}\u0000${signature}`
    const n = counts.get(key) ?? 0
    if (n >= this.#perMinute) {
      this.#sampledOut++
      return false
    }
    counts.set(key, n + 1)
    return true
  }

  /** Examples refused so far. */
  get sampledOut(): number {
    return this.#sampledOut
  }
}

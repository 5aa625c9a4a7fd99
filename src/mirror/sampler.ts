/**
 * Deterministic sampler: admits a request when `admitted * 100 < seen * percent`
 * (Traefik's mirroring). Exactly 10 of 100 at 10%, spread evenly, and a
 * test can assert it.
 */
export class Sampler {
  #percent: number
  #seen = 0
  #admitted = 0

  constructor(percent: number) {
    this.#percent = percent
  }

  take(): boolean {
    if (this.#percent >= 100) return true
    if (this.#percent <= 0) return false
    this.#seen++
    if (this.#admitted * 100 < this.#seen * this.#percent) {
      this.#admitted++
      return true
    }
    return false
  }
}

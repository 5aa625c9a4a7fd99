import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { fisherGreater, lnGamma } from '../../src/noise/fisher-test.js'

/** P(X ≥ x1) by summing the hypergeometric probabilities with exact binomials (small tables only). */
function bruteForce(x1: number, n1: number, x2: number, n2: number): number {
  const choose = (n: number, k: number): number => {
    if (k < 0 || k > n) return 0
    let r = 1
    for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i
    return r
  }
  const N = n1 + n2
  const K = x1 + x2
  let p = 0
  for (let k = x1; k <= Math.min(K, n1); k++) p += (choose(K, k) * choose(N - K, n1 - k)) / choose(N, n1)
  return p
}

describe('one-sided Fisher exact test', () => {
  it('matches the hypergeometric tail summed by brute force', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }), fc.nat(), fc.nat(), (n1, n2, a, b) => {
        const x1 = n1 === 0 ? 0 : a % (n1 + 1)
        const x2 = n2 === 0 ? 0 : b % (n2 + 1)
        expect(fisherGreater(x1, n1, x2, n2)).toBeCloseTo(bruteForce(x1, n1, x2, n2), 9)
      }),
      { numRuns: 300 },
    )
  })

  it('is 1 when the candidate differs no more often than the noise, tiny when far more often', () => {
    expect(fisherGreater(400, 400, 400, 400)).toBe(1)
    expect(fisherGreater(0, 400, 0, 400)).toBe(1)
    expect(fisherGreater(20, 400, 20, 400)).toBeGreaterThan(0.4)
    expect(fisherGreater(200, 400, 20, 400)).toBeLessThan(1e-30)
    // Large samples stay fast and finite.
    const p = fisherGreater(51_000, 100_000, 50_000, 100_000)
    expect(p).toBeGreaterThan(1e-7)
    expect(p).toBeLessThan(1e-4)
  })

  it('ln Γ is accurate', () => {
    expect(lnGamma(1)).toBeCloseTo(0, 12)
    expect(lnGamma(11)).toBeCloseTo(Math.log(3628800), 10)
    expect(lnGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12)
  })

  it('throws on counts that cannot be', () => {
    expect(() => fisherGreater(5, 4, 0, 1)).toThrow(RangeError)
    expect(() => fisherGreater(-1, 4, 0, 1)).toThrow(/x1 must be a non-negative integer/)
  })
})

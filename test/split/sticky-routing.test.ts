import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bucketOf, BUCKETS, chooseSide, hashKey } from '../../src/split/sticky-router.js'
import type { TrafficState } from '../../src/split/traffic-mode.js'

const split = (weight: number): TrafficState => ({ mode: 'split', weight, reverseShadow: false })
const KEYS = Array.from({ length: 10_000 }, (_, i) => `user-${i}`)

describe('sticky routing', () => {
  it('sends the same key to the same side every time at the same weight (10,000 keys)', () => {
    for (const weight of [5, 25, 50]) {
      const first = KEYS.map((key) => chooseSide(split(weight), key))
      const again = KEYS.map((key) => chooseSide(split(weight), key))
      expect(again).toEqual(first)
      // Not trivially constant: both sides are used.
      expect(new Set(first)).toEqual(new Set(['primary', 'candidate']))
    }
  })

  it('hashes with FNV-1a + fmix32 to a stable bucket in [0, 10000)', () => {
    // Pinned values: a change of hash would silently move users between sides on upgrade.
    // FNV-1a('a') is 0xe40c292c before fmix32; these are the finished values.
    expect([hashKey(''), hashKey('a')]).toEqual([2872998923, 444641715])
    expect([bucketOf('user-1'), bucketOf('user-2'), bucketOf('alice')]).toEqual([4670, 1986, 9143])
    fc.assert(
      fc.property(fc.string(), (key) => {
        const b = bucketOf(key)
        return Number.isInteger(b) && b >= 0 && b < BUCKETS
      }),
    )
  })

  it('keeps every key on the candidate as the weight rises 1 → 5 → 25 → 50 → 100', () => {
    const steps = [1, 5, 25, 50, 100]
    for (let i = 1; i < steps.length; i++) {
      const before = KEYS.filter((key) => chooseSide(split(steps[i - 1]), key) === 'candidate')
      const after = new Set(KEYS.filter((key) => chooseSide(split(steps[i]), key) === 'candidate'))
      expect(before.length).toBeGreaterThan(0)
      expect(before.filter((key) => !after.has(key))).toEqual([])
      expect(after.size).toBeGreaterThan(before.length)
    }
  })

  it('is monotone for any non-empty key and any pair of weights', () => {
    // An empty key is no key: it goes to the per-request sampler, which is not sticky.
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), (key, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a]
        return chooseSide(split(lo), key) === 'primary' || chooseSide(split(hi), key) === 'candidate'
      }),
      { numRuns: 2000 },
    )
  })

  it('honours fractional weights: 0.5% sends about 0.5% of keys, all of them kept at 1%', () => {
    const half = KEYS.filter((key) => chooseSide(split(0.5), key) === 'candidate')
    const share = (half.length / KEYS.length) * 100
    console.log(`[split] weight 0.5%: measured ${share.toFixed(2)}% of 10000 keys on the candidate`)
    expect(share).toBeGreaterThan(0.2)
    expect(share).toBeLessThan(0.8)
    expect(half.every((key) => chooseSide(split(1), key) === 'candidate')).toBe(true)
    // The 0.01% resolution: 0.5% is exactly the keys whose bucket is below 50.
    expect(half.every((key) => bucketOf(key) < 50)).toBe(true)
  })

  it('serves the primary in shadow mode and the candidate in candidate mode, whatever the key', () => {
    for (const key of ['user-1', 'user-2', undefined]) {
      expect(chooseSide({ mode: 'shadow', weight: 0, reverseShadow: false }, key)).toBe('primary')
      expect(chooseSide({ mode: 'candidate', weight: 100, reverseShadow: true }, key)).toBe('candidate')
    }
  })
})

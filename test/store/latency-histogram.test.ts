import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bucketOf, bucketRange, bucketValueMs, decodeBucketsInto, encodeBuckets, summarise } from '../../src/store/latency-histogram.js'

describe('latency histogram buckets', () => {
  it('puts every value in a bucket whose range holds it and whose value is within 1.6 %', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 2_000_000, noNaN: true }), (ms) => {
        const us = Math.round(ms * 1000)
        const [lo, hi] = bucketRange(bucketOf(ms))
        expect(us).toBeGreaterThanOrEqual(lo)
        expect(us).toBeLessThanOrEqual(hi)
        expect(Math.abs(bucketValueMs(bucketOf(ms)) * 1000 - us)).toBeLessThanOrEqual(Math.max(1, us / 64))
      }),
      { numRuns: 500 },
    )
  })

  it('numbers buckets contiguously: each range starts right after the previous one', () => {
    for (let b = 1; b < 64 + 26 * 32; b++) expect(bucketRange(b)[0]).toBe(bucketRange(b - 1)[1] + 1)
  })

  it('takes percentiles by nearest rank, capped at the exact maximum', () => {
    const buckets = new Map<number, number>()
    for (let i = 1; i <= 100; i++) buckets.set(bucketOf(i), (buckets.get(bucketOf(i)) ?? 0) + 1)
    const s = summarise(buckets, 100_000)
    expect(s.count).toBe(100)
    // Bucket values are within 1.6 % of the sample.
    for (const [p, v] of [[s.p50, 50], [s.p90, 90], [s.p99, 99]]) expect(Math.abs(p - v) / v).toBeLessThan(0.016)
    expect(s.max).toBe(100)
    expect(summarise(new Map(), 0)).toEqual({ count: 0, p50: 0, p90: 0, p99: 0, max: 0 })
  })

  it('encodes bucket counts compactly and decodes them back, adding into the target', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 900 }), fc.integer({ min: 1, max: 2 ** 40 })), { maxLength: 50 }), (pairs) => {
        const map = new Map<number, number>()
        for (const [b, c] of pairs) map.set(b, (map.get(b) ?? 0) + c)
        const into = new Map<number, number>([[3, 1]])
        decodeBucketsInto(encodeBuckets(map), into)
        const expected = new Map(map)
        expected.set(3, (expected.get(3) ?? 0) + 1)
        expect(into).toEqual(expected)
      }),
    )
    expect(encodeBuckets(new Map([[10, 1], [11, 300]]))).toEqual(Buffer.from([10, 1, 1, 0xac, 0x02]))
    expect(() => decodeBucketsInto(Buffer.from([0x80]), new Map())).toThrow(/truncated latency histogram/)
  })
})

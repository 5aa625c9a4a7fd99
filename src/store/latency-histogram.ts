/**
 * A fixed log-linear latency histogram (the HDR layout with 64 sub-buckets
 * per power of two): values below 64 µs get one bucket each, above that each
 * power of two is split into 32 buckets, so a bucket is at most 1/32 of its
 * value wide and the midpoint we report is within 1.6 % of any value in it.
 *
 * Why not hdr-histogram-js: the buckets are FIXED integers, so the store can
 * keep one row per (minute, route, side, bucket) and any window or any set of
 * files merges exactly with SQL `SUM(count) GROUP BY bucket` — no blobs to
 * decode, no precision settings that must agree between files.
 */
import type { LatencySummary } from '../report/report-types.js'

const MAX_US = 0x7fffffff

/** The bucket index of a latency given in milliseconds. */
export function bucketOf(ms: number): number {
  let v = Math.round(ms * 1000)
  if (!(v > 0)) return 0
  if (v > MAX_US) v = MAX_US
  if (v < 64) return v
  const shift = 31 - Math.clz32(v) - 5
  return 64 + (shift - 1) * 32 + ((v >>> shift) - 32)
}

/** The smallest and largest microsecond value that fall in `bucket`. */
export function bucketRange(bucket: number): [number, number] {
  if (bucket < 64) return [bucket, bucket]
  const shift = ((bucket - 64) >> 5) + 1
  const lower = (((bucket - 64) & 31) + 32) * 2 ** shift
  return [lower, lower + 2 ** shift - 1]
}

/** The value reported for a bucket, in milliseconds: its midpoint. */
export function bucketValueMs(bucket: number): number {
  const [lo, hi] = bucketRange(bucket)
  return Math.round((lo + hi) / 2) / 1000
}

/** Latency in ms → whole microseconds, as stored for exact maxima. */
export function toMicros(ms: number): number {
  const v = Math.round(ms * 1000)
  return v > 0 ? Math.min(v, MAX_US) : 0
}

/**
 * Summarises bucket counts (bucket → count) into percentiles. A percentile is
 * the value of the bucket holding the `ceil(p × n)`-th smallest sample (the
 * nearest-rank method), capped at the exact maximum.
 */
export function summarise(buckets: ReadonlyMap<number, number>, maxUs: number): LatencySummary {
  const sorted = [...buckets].filter(([, c]) => c > 0).sort((a, b) => a[0] - b[0])
  const count = sorted.reduce((n, [, c]) => n + c, 0)
  const maxMs = maxUs / 1000
  if (count === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0 }
  const at = (p: number): number => {
    const rank = Math.max(1, Math.ceil((p / 100) * count))
    let seen = 0
    for (const [bucket, c] of sorted) {
      seen += c
      if (seen >= rank) return Math.min(bucketValueMs(bucket), maxMs)
    }
    return maxMs
  }
  return { count, p50: at(50), p90: at(90), p99: at(99), max: maxMs }
}

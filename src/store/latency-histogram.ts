/**
 * A fixed log-linear latency histogram (the HDR layout with 64 sub-buckets
 * per power of two): values below 64 µs get one bucket each, above that each
 * power of two is split into 32 buckets, so a bucket is at most 1/32 of its
 * value wide and the midpoint we report is within 1.6 % of any value in it.
 *
 * Why not hdr-histogram-js: the buckets are FIXED small integers shared by
 * every file and every build, so histograms of any window or any set of
 * files merge exactly by adding counts bucket by bucket, and a histogram is
 * stored as a few hundred bytes of varints (encodeBuckets) — no precision
 * settings that must agree between files, no base64 HDR payloads.
 */
import type { LatencySummary } from '../report/report-types.js'

const MAX_US = 0x7fffffff
/** log2 of the sub-bucket count: 6 → 64 exact buckets, then 32 per power of two. */
const BITS = 6
const SUB = 1 << BITS
const HALF = SUB >> 1

/** The bucket index of a latency given in milliseconds. */
export function bucketOf(ms: number): number {
  let v = Math.round(ms * 1000)
  if (!(v > 0)) return 0
  if (v > MAX_US) v = MAX_US
  if (v < SUB) return v
  const shift = 31 - Math.clz32(v) - (BITS - 1)
  return SUB + (shift - 1) * HALF + ((v >>> shift) - HALF)
}

/** The smallest and largest microsecond value that fall in `bucket`. */
export function bucketRange(bucket: number): [number, number] {
  if (bucket < SUB) return [bucket, bucket]
  const shift = Math.floor((bucket - SUB) / HALF) + 1
  const lower = (((bucket - SUB) % HALF) + HALF) * 2 ** shift
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

/**
 * Encodes bucket counts as unsigned LEB128 varints: pairs of (bucket minus
 * the previous bucket, count), buckets ascending. Typically 2–4 bytes a bucket.
 */
export function encodeBuckets(buckets: ReadonlyMap<number, number>): Buffer {
  const sorted = [...buckets].filter(([, c]) => c > 0).sort((a, b) => a[0] - b[0])
  const out = Buffer.allocUnsafe(sorted.length * 2 * 8)
  let pos = 0
  let prev = 0
  const put = (v: number) => {
    while (v >= 0x80) {
      out[pos++] = (v % 0x80) | 0x80
      v = Math.floor(v / 0x80)
    }
    out[pos++] = v
  }
  for (const [bucket, count] of sorted) {
    put(bucket - prev)
    put(count)
    prev = bucket
  }
  return Buffer.from(out.subarray(0, pos))
}

/** Adds the counts encoded in `buf` (see encodeBuckets) into `into`. */
export function decodeBucketsInto(buf: Uint8Array, into: Map<number, number>): void {
  let pos = 0
  let bucket = 0
  const get = (): number => {
    let v = 0
    let scale = 1
    for (;;) {
      if (pos >= buf.length) throw new RangeError('truncated latency histogram')
      const b = buf[pos++]
      v += (b & 0x7f) * scale
      if (b < 0x80) return v
      scale *= 0x80
    }
  }
  while (pos < buf.length) {
    bucket += get()
    const count = get()
    into.set(bucket, (into.get(bucket) ?? 0) + count)
  }
}

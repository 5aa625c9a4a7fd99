/**
 * One-sided Clopper–Pearson bounds of a rate (k events in n trials), the
 * statistics behind `gate --confidence` (issue 14).
 *
 * Clopper–Pearson inverts the binomial test exactly, so at confidence c the
 * true rate is at or below the upper bound with probability ≥ c whatever n
 * and p: conservative, valid at k = 0 and for small n, where the normal
 * (Wald) interval is badly wrong and Wilson's slightly anti-conservative.
 * With B(q; a, b) the beta quantile:
 *   upper = B(c; k + 1, n − k)   (1 when k = n; 1 − (1 − c)^(1/n) when k = 0)
 *   lower = B(1 − c; k, n − k + 1)   (0 when k = 0)
 *
 * The beta quantile is found by bisection on the regularized incomplete
 * beta function I_x(a, b), itself computed by its continued fraction with
 * the modified Lentz method (Numerical Recipes, 3rd ed., §6.4). Bisection is
 * slower than Newton steps but cannot diverge, and 64 halvings of [0, 1]
 * reach the resolution of a double; the gate calls it a handful of times.
 */
import { lnGamma } from '../noise/fisher-test.js'

export interface RateBounds {
  lower: number
  upper: number
}

/**
 * One-sided bounds of the rate k/n at `confidence` (0.5 < c < 1): each bound
 * alone holds with probability ≥ c. n = 0 gives [0, 1].
 *
 * @example clopperPearson(0, 300, 0.95).upper // 0.009936… (1 − 0.05^(1/300))
 */
export function clopperPearson(k: number, n: number, confidence: number): RateBounds {
  if (!(n > 0)) return { lower: 0, upper: 1 }
  const kk = Math.min(Math.max(k, 0), n)
  const alpha = 1 - confidence
  const upper = kk >= n ? 1 : kk === 0 ? 1 - Math.pow(alpha, 1 / n) : betaQuantile(confidence, kk + 1, n - kk)
  const lower = kk <= 0 ? 0 : kk >= n ? Math.pow(alpha, 1 / n) : betaQuantile(alpha, kk, n - kk + 1)
  return { lower, upper }
}

/** The x in [0, 1] with I_x(a, b) = p. */
export function betaQuantile(p: number, a: number, b: number): number {
  if (p <= 0) return 0
  if (p >= 1) return 1
  let lo = 0
  let hi = 1
  for (let i = 0; i < 64 && hi - lo > 1e-17; i++) {
    const mid = (lo + hi) / 2
    if (betaIncReg(mid, a, b) < p) lo = mid
    else hi = mid
  }
  return (lo + hi) / 2
}

/** The regularized incomplete beta function I_x(a, b), a, b > 0. */
export function betaIncReg(x: number, a: number, b: number): number {
  if (x <= 0) return 0
  if (x >= 1) return 1
  const lnFront = lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log1p(-x)
  // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry otherwise.
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * betaContinuedFraction(x, a, b)) / a
  return 1 - (Math.exp(lnFront) * betaContinuedFraction(1 - x, b, a)) / b
}

function betaContinuedFraction(x: number, a: number, b: number): number {
  const TINY = 1e-300
  const qab = a + b
  const qap = a + 1
  const qam = a - 1
  let c = 1
  let d = 1 - (qab * x) / qap
  if (Math.abs(d) < TINY) d = TINY
  d = 1 / d
  let h = d
  // Converges in O(sqrt(max(a, b))) terms; the bound is far above what a million samples need.
  for (let m = 1; m <= 100_000; m++) {
    const m2 = 2 * m
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2))
    d = 1 + aa * d
    if (Math.abs(d) < TINY) d = TINY
    c = 1 + aa / c
    if (Math.abs(c) < TINY) c = TINY
    d = 1 / d
    h *= d * c
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2))
    d = 1 + aa * d
    if (Math.abs(d) < TINY) d = TINY
    c = 1 + aa / c
    if (Math.abs(c) < TINY) c = TINY
    d = 1 / d
    const del = d * c
    h *= del
    if (Math.abs(del - 1) < 1e-15) break
  }
  return h
}

/** Most samples `samplesToSettle` looks for; beyond, the rate is too close to its limit to settle in practice. */
const MAX_SETTLE = 1e9

/**
 * How many samples in all would settle a rate against `max` if it stayed at
 * `rate`: the least n' ≥ n with the upper bound ≤ max (rate below max) or
 * the lower bound > max (rate above). Null when the rate equals the limit
 * (no number of samples settles it) or it would take more than a billion.
 *
 * @example samplesToSettle(0, 0.01, 0.95, 100) // 299: 0 of 299 has upper bound ≤ 1%
 */
export function samplesToSettle(rate: number, max: number, confidence: number, n: number): number | null {
  if (rate === max || max >= 1) return null
  const settled = (m: number): boolean => {
    const b = clopperPearson(rate * m, m, confidence)
    return rate < max ? b.upper <= max : b.lower > max
  }
  let lo = Math.max(1, Math.floor(n))
  if (settled(lo)) return lo
  let hi = lo * 2
  while (!settled(hi)) {
    lo = hi
    hi *= 2
    if (hi > MAX_SETTLE) return null
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2)
    if (settled(mid)) hi = mid
    else lo = mid
  }
  return hi
}

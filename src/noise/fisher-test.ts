/**
 * One-sided Fisher exact test for two proportions, the test behind every
 * noise decision: is the candidate's rate of differences at a field higher
 * than the primary-vs-secondary rate, beyond chance?
 *
 * Conditioned on the margins, the candidate's count X follows a
 * hypergeometric distribution; the p-value is P(X ≥ x1). Exact at any
 * sample size (no normal approximation), valid when a rate is 0 or 1, and
 * conservative: it rejects "noise" only on real evidence.
 */

// Lanczos approximation, g = 7, n = 9 (Numerical Recipes, 3rd ed., §6.1).
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
]

/** ln Γ(x) for x > 0, about 15 significant digits. */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x)
  const z = x - 1
  let a = LANCZOS[0]
  const t = z + 7.5
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i)
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a)
}

function lnChoose(n: number, k: number): number {
  return lnGamma(n + 1) - lnGamma(k + 1) - lnGamma(n - k + 1)
}

/**
 * P(X ≥ x1) where X counts the candidate's differences: x1 of n1 candidate
 * exchanges differed, x2 of n2 secondary exchanges differed.
 *
 * @example
 *   fisherGreater(30, 100, 5, 100) // ≈ 2e-6: the candidate differs far more often than the noise
 *   fisherGreater(100, 100, 100, 100) // 1: differs every time, as the noise does
 */
export function fisherGreater(x1: number, n1: number, x2: number, n2: number): number {
  for (const [k, v] of Object.entries({ x1, n1, x2, n2 })) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${k} must be a non-negative integer, got ${v}`)
  }
  if (x1 > n1 || x2 > n2) throw new RangeError(`counts exceed their totals: ${x1}/${n1}, ${x2}/${n2}`)
  const N = n1 + n2
  const K = x1 + x2
  const n = n1
  const lo = Math.max(0, n + K - N)
  const hi = Math.min(K, n)
  if (x1 <= lo) return 1
  const lnDen = lnChoose(N, n)
  const pmf = (k: number) => Math.exp(lnChoose(K, k) + lnChoose(N - K, n - k) - lnDen)
  const mode = Math.floor(((n + 1) * (K + 1)) / (N + 2))
  if (x1 > mode) {
    // Upper tail, terms decreasing away from the mode: sum until negligible.
    let term = pmf(x1)
    let sum = term
    for (let k = x1; k < hi; k++) {
      term *= ((K - k) * (n - k)) / ((k + 1) * (N - K - n + k + 1))
      sum += term
      if (term < sum * 1e-17) break
    }
    return Math.min(1, sum)
  }
  // x1 at or below the mode: 1 − P(X ≤ x1 − 1), that lower tail summed downward.
  let term = pmf(x1 - 1)
  let sum = term
  for (let k = x1 - 1; k > lo; k--) {
    term *= (k * (N - K - n + k)) / ((K - k + 1) * (n - k + 1))
    sum += term
    if (term < sum * 1e-17) break
  }
  return Math.max(0, Math.min(1, 1 - sum))
}

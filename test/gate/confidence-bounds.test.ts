/**
 * One-sided Clopper–Pearson bounds against known values (scipy.stats.beta.ppf
 * to 1e-9), and the gate's pass / fail / inconclusive on them (issue 14).
 */
import { describe, expect, it } from 'vitest'
import { betaIncReg, clopperPearson, samplesToSettle } from '../../src/gate/confidence-bound.js'
import { evaluateGate } from '../../src/gate/evaluate-gate.js'
import { endpoint, input } from './gate-input.js'

describe('Clopper–Pearson one-sided bounds', () => {
  it('matches known values', () => {
    // [k, n, lower, upper] at 95 % one-sided (beta.ppf(0.05, k, n-k+1), beta.ppf(0.95, k+1, n-k)).
    const known: [number, number, number, number][] = [
      [0, 300, 0, 0.009936081944457708], // 1 − 0.05^(1/300)
      [5, 100, 0.019905563662171832, 0.1022533776432745],
      [1, 1000, 5.129197890901781e-5, 0.004734993575499777],
      [50, 1000, 0.039163535925589354, 0.06286340351237973],
      [3, 10, 0.08726443391415033, 0.6066242161054123],
      [0, 10, 0, 0.2588655508930522],
      [10, 10, 0.7411344491069477, 1],
      [5000, 1_000_000, 0.00488454313555296, 0.0051175840516408605],
    ]
    for (const [k, n, lower, upper] of known) {
      const b = clopperPearson(k, n, 0.95)
      expect(b.lower, `${k}/${n} lower`).toBeCloseTo(lower, 9)
      expect(b.upper, `${k}/${n} upper`).toBeCloseTo(upper, 9)
    }
    // 99 %: beta.ppf(0.99, 6, 95) and beta.ppf(0.01, 5, 96).
    expect(clopperPearson(5, 100, 0.99).upper).toBeCloseTo(0.12585173069767863, 9)
    expect(clopperPearson(5, 100, 0.99).lower).toBeCloseTo(0.012968921327023254, 9)
    expect(clopperPearson(0, 0, 0.95)).toEqual({ lower: 0, upper: 1 })
  })

  it('has the incomplete beta function right at its symmetric points', () => {
    expect(betaIncReg(0.5, 3, 3)).toBeCloseTo(0.5, 12)
    expect(betaIncReg(0.3, 2, 5) + betaIncReg(0.7, 5, 2)).toBeCloseTo(1, 12)
    expect(betaIncReg(0.2, 1, 1)).toBeCloseTo(0.2, 12)
  })

  it('says how many samples would settle a rate at its observed value', () => {
    // 0 of n: upper bound 1 − 0.05^(1/n) ≤ 1 % from n = 299 on.
    expect(samplesToSettle(0, 0.01, 0.95, 100)).toBe(299)
    expect(clopperPearson(0, 299, 0.95).upper).toBeLessThanOrEqual(0.01)
    expect(clopperPearson(0, 298, 0.95).upper).toBeGreaterThan(0.01)
    const above = samplesToSettle(0.05, 0.01, 0.95, 10)!
    expect(clopperPearson(0.05 * above, above, 0.95).lower).toBeGreaterThan(0.01)
    expect(clopperPearson(0.05 * (above - 1), above - 1, 0.95).lower).toBeLessThanOrEqual(0.01)
    expect(samplesToSettle(0.01, 0.01, 0.95, 10)).toBeNull()
  })
})

describe('gate with a confidence', () => {
  const clean = (n: number) => input([endpoint('GET', '/a', n, 0)])
  it('is inconclusive on 0 divergent of 120 (upper bound 2.5% > 1%), passes on 0 of 300', () => {
    const few = evaluateGate(clean(120), { confidence: 0.95 })
    expect(few).toMatchObject({ ok: false, verdict: 'inconclusive', moreSamples: 299 - 120 })
    expect(few.bounds!.divergence.upper).toBeCloseTo(1 - Math.pow(0.05, 1 / 120), 12)
    expect(few.reasons[0]).toMatch(/^divergence 0\.00% \(0\/120\): 95% bounds 0\.00%–2\.47% straddle the maximum 1\.00%; about 179 more samples would settle it at this rate$/)
    const enough = evaluateGate(clean(300), { confidence: 0.95 })
    expect(enough).toMatchObject({ ok: true, verdict: 'pass', reasons: [] })
    expect(enough.bounds).toMatchObject({ method: 'clopper-pearson', confidence: 0.95, divergence: { count: 0, samples: 300, upper: expect.closeTo(0.009936, 5) } })
  })

  it('fails as soon as the lower bound is above the maximum: 5 of 100 against 1%', () => {
    const v = evaluateGate(input([endpoint('GET', '/a', 100, 5)]), { confidence: 0.95, maxEndpointDivergence: 1 })
    expect(v.verdict).toBe('fail')
    expect(v.reasons[0]).toBe('divergence 5.0% > 1.0% (5/100); its 95% lower bound 1.99% is above the maximum')
    // The same rate against 3 %: bounds 1.99 %–10.2 % straddle it.
    expect(evaluateGate(input([endpoint('GET', '/a', 100, 5)]), { confidence: 0.95, maxDivergence: 0.03 }).verdict).toBe('inconclusive')
  })

  it('judges the candidate error rate the same way, and treats too few samples as inconclusive', () => {
    const errors = evaluateGate(input([endpoint('GET', '/a', 400, 0, { candidateNewErrors: 20 })]), { confidence: 0.95 })
    expect(errors.verdict).toBe('fail')
    expect(errors.reasons.some((r) => r.startsWith('candidate errors 5.0% > 1.0%'))).toBe(true)
    const thin = evaluateGate(clean(40), { confidence: 0.95, minSamples: 100 })
    expect(thin.verdict).toBe('inconclusive')
    expect(thin.reasons).toContain('too few samples: 40 compared < 100 required (minSamples)')
    // Without a confidence, too few samples still fails (no evidence is not a pass).
    expect(evaluateGate(clean(40)).verdict).toBe('fail')
  })

  it('rejects a confidence outside (0.5, 1)', () => {
    expect(() => evaluateGate(clean(1), { confidence: 1 })).toThrow(/gate\.confidence must be 0 \(off\) or a level above 0\.5 and below 1/)
    expect(() => evaluateGate(clean(1), { endpoints: { '/a': { confidence: 0.9 } as never } })).toThrow(/set gate\.confidence instead/)
  })
})

import { describe, expect, it } from 'vitest'
import { decideField } from '../../src/noise/field-decision.js'

const opts = { confidence: 0.99, minSamples: 30 }

describe('per-field noise decision', () => {
  it('noise that changes every time, on both sides, is noise', () => {
    const j = decideField({ divergent: 0, noise: 400, compared: 400, noiseObserved: 398, noiseSamples: 400 }, opts)
    expect(j).toMatchObject({ decision: 'noise', noiseAccepted: true })
    expect(j.pValue).toBeGreaterThan(0.01)
  })

  it('a flag the candidate flips far more often than the secondary does is divergent, though each flip looks like noise', () => {
    const j = decideField({ divergent: 0, noise: 60, compared: 400, noiseObserved: 20, noiseSamples: 400 }, opts)
    expect(j.decision).toBe('divergent')
    expect(j.noiseAccepted).toBe(false)
    expect(j.pValue).toBeLessThan(1e-5)
  })

  it('a rate within chance of the noise rate is noise', () => {
    expect(decideField({ divergent: 0, noise: 26, compared: 400, noiseObserved: 20, noiseSamples: 400 }, opts).decision).toBe('noise')
  })

  it('too few secondary answers: insufficient data, and the noise is not accepted', () => {
    expect(decideField({ divergent: 0, noise: 20, compared: 20, noiseObserved: 20, noiseSamples: 20 }, opts)).toEqual({ decision: 'insufficient-data', noiseAccepted: false })
  })

  it('any divergence makes the field divergent, while its noise can still be accepted', () => {
    expect(decideField({ divergent: 3, noise: 397, compared: 400, noiseObserved: 400, noiseSamples: 400 }, opts)).toMatchObject({ decision: 'divergent', noiseAccepted: true })
  })

  it('the confidence is configurable', () => {
    const e = { divergent: 0, noise: 35, compared: 400, noiseObserved: 20, noiseSamples: 400 }
    expect(decideField(e, { confidence: 0.9, minSamples: 30 }).decision).toBe('divergent')
    expect(decideField(e, { confidence: 0.999, minSamples: 30 }).decision).toBe('noise')
  })
})

import { describe, expect, it } from 'vitest'
import { ConfigInvalid } from '../../src/errors.js'
import { resolveThresholds } from '../../src/gate/evaluate-gate.js'

describe('resolveThresholds', () => {
  it('makes maxEndpointDivergence follow maxDivergence unless given', () => {
    expect(resolveThresholds({ maxDivergence: 0.05 })).toMatchObject({ maxDivergence: 0.05, maxEndpointDivergence: 0.05 })
    expect(resolveThresholds({ maxDivergence: 0.05, maxEndpointDivergence: 0.1 })).toMatchObject({ maxEndpointDivergence: 0.1 })
  })

  it('throws ConfigInvalid naming every bad key and value', () => {
    const bad = () => resolveThresholds({ maxDivergence: 5, minSamples: -1, endpoints: { 'GET /a': { maxErrorRate: Number.NaN, nope: 1 } as never }, extra: 1 } as never)
    expect(bad).toThrow(ConfigInvalid)
    expect(bad).toThrow(/gate\.maxDivergence must be a fraction from 0 to 1 \(0\.01 = 1 %\), got 5/)
    expect(bad).toThrow(/gate\.minSamples must be a non-negative integer, got -1/)
    expect(bad).toThrow(/gate\.endpoints\['GET \/a'\]\.maxErrorRate must be .*got NaN/)
    expect(bad).toThrow(/gate\.endpoints\['GET \/a'\]\.nope is not a threshold/)
    expect(bad).toThrow(/gate\.extra is not a threshold/)
  })
})

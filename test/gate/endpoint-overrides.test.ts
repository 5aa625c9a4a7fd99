import { describe, expect, it } from 'vitest'
import { evaluateGate } from '../../src/gate/evaluate-gate.js'
import { endpoint, input } from './gate-input.js'

describe('gate per-endpoint overrides', () => {
  it('applies per-endpoint overrides keyed by route, then by METHOD route', () => {
    const data = input([endpoint('GET', '/legacy', 1000, 50), endpoint('POST', '/legacy', 1000, 50), endpoint('GET', '/b', 8000, 0)])
    const v = evaluateGate(data, { endpoints: { '/legacy': { maxDivergence: 0.1 }, 'POST /legacy': { maxEndpointDivergence: 0.02 } } })
    expect(v.reasons).toEqual(['POST /legacy: divergence 5.0% > 2.0% (50/1000)'])
  })

  it('skips rare endpoints below minEndpointSamples, unless an override asks for a floor', () => {
    const data = input([endpoint('GET', '/rare', 5, 3), endpoint('GET', '/b', 5000, 0)])
    expect(evaluateGate(data, { minEndpointSamples: 10 }).ok).toBe(true)
    expect(evaluateGate(data).reasons).toEqual(['GET /rare: divergence 60.0% > 1.0% (3/5)'])
    expect(evaluateGate(data, { minEndpointSamples: 10, endpoints: { 'GET /rare': { minEndpointSamples: 20 } } }).reasons).toEqual([
      'GET /rare: too few samples: 5 compared < 20 required (minEndpointSamples)',
    ])
  })
})

import { describe, expect, it } from 'vitest'
import { evaluateGate } from '../../src/gate/evaluate-gate.js'
import { endpoint, input } from './gate-input.js'

describe('gate with too few samples', () => {
  it('fails with too few samples, even with no divergence', () => {
    const v = evaluateGate(input([endpoint('GET', '/a', 42, 0)]))
    expect(v.ok).toBe(false)
    expect(v.reasons).toEqual(['too few samples: 42 compared < 100 required (minSamples)'])
  })
})

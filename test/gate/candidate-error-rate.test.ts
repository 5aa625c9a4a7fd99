import { describe, expect, it } from 'vitest'
import { evaluateGate } from '../../src/gate/evaluate-gate.js'
import { endpoint, input } from './gate-input.js'

describe('gate candidate error rate', () => {
  it('judges candidate errors as failures or 5xx where the primary was not', () => {
    const v = evaluateGate(input([endpoint('GET', '/a', 1000, 0, { candidateErrors: 15, candidate5xx: 40, candidateNewErrors: 20 })]))
    expect(v.errorRate).toBe(0.02)
    expect(v.reasons).toEqual([
      'candidate errors 2.0% > 1.0% (20/1000 failed or 5xx where the primary was not)',
      'GET /a: candidate errors 2.0% > 1.0% (20/1000)',
    ])
  })
})

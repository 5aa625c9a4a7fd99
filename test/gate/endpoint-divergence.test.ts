import { describe, expect, it } from 'vitest'
import { evaluateGate } from '../../src/gate/evaluate-gate.js'
import { formatVerdict } from '../../src/gate/format-verdict.js'
import { endpoint, input } from './gate-input.js'

describe('gate on endpoint divergence', () => {
  it('fails an endpoint over its divergence limit and names it, the value, the threshold and the counts', () => {
    const v = evaluateGate(input([endpoint('GET', '/api/users/:id', 250, 30), endpoint('GET', '/b', 4000, 0)]))
    expect(v.ok).toBe(false)
    expect(v.reasons).toEqual(['GET /api/users/:id: divergence 12.0% > 1.0% (30/250)'])
    expect(v.failingEndpoints).toEqual([{ method: 'GET', route: '/api/users/:id', reasons: ['divergence 12.0% > 1.0% (30/250)'] }])
    expect(formatVerdict(v)).toContain('\n  - GET /api/users/:id: divergence 12.0% > 1.0% (30/250)')
  })

  it('shows more decimals when one decimal would hide the difference', () => {
    const v = evaluateGate(input([endpoint('GET', '/a', 10000, 104)]))
    expect(v.reasons[0]).toBe('divergence 1.04% > 1.00% (104/10000)')
  })
})

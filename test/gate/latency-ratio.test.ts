import { describe, expect, it } from 'vitest'
import { evaluateGate } from '../../src/gate/evaluate-gate.js'
import { endpoint, input, lat } from './gate-input.js'

describe('gate latency ratio', () => {
  it('judges the p99 latency ratio only when maxLatencyRatio is set', () => {
    const slow = { primary: lat(100), candidate: lat(250) }
    const data = input([endpoint('GET', '/a', 1000, 0, { latency: slow })], slow)
    expect(evaluateGate(data).ok).toBe(true)
    const v = evaluateGate(data, { maxLatencyRatio: 1.5 })
    expect(v.latencyRatio).toBe(2.5)
    expect(v.reasons).toEqual([
      'latency p99 candidate 250 ms / primary 100 ms = 2.50× > 1.5×',
      'GET /a: latency p99 candidate 250 ms / primary 100 ms = 2.50× > 1.5×',
    ])
  })
})

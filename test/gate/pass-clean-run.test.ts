import { describe, expect, it } from 'vitest'
import { DEFAULT_THRESHOLDS, evaluateGate } from '../../src/gate/evaluate-gate.js'
import { formatVerdict } from '../../src/gate/format-verdict.js'
import { endpoint, input } from './gate-input.js'

describe('gate passes a clean run', () => {
  it('passes a clean run with enough samples', () => {
    const v = evaluateGate(input([endpoint('GET', '/a', 500, 2), endpoint('GET', '/b', 500, 0)]))
    expect(v).toMatchObject({ ok: true, reasons: [], samples: 1000, divergenceRate: 0.002, errorRate: 0, failingEndpoints: [] })
    expect(v.latencyRatio).toBeCloseTo(1.2)
    expect(v.thresholds).toEqual(DEFAULT_THRESHOLDS)
    expect(formatVerdict(v)).toMatch(/^PASS: 1000 compared, divergence 0\.2% \(max 1\.0%\)/)
  })
})

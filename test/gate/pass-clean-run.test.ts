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
    expect(formatVerdict(v)).toBe(
      "PASS: of 1,000 compared exchanges, 0.2% diverged (1% allowed) and 0.0% were candidate errors (1% allowed); the candidate's p99 latency was 1.20× the primary's (not judged).\n" +
        '  window: the whole recording\n' +
        '  counts: 1000 compared of 0 served (2 divergent, 0 candidate errors; 0 dropped, 0 skipped, 0 not mirrored)\n',
    )
  })
})

/** The verdict's headline and the thresholds read as sentences, not as `≤ 1.00% from 0 samples`. */
import { describe, expect, it } from 'vitest'
import { DEFAULT_THRESHOLDS, evaluateGate } from '../../src/gate/evaluate-gate.js'
import { describeThresholds, formatVerdict, measured } from '../../src/gate/format-verdict.js'
import { endpoint, input } from './gate-input.js'

describe('gate summaries as sentences', () => {
  it('describes the default thresholds the way a reviewer would', () => {
    expect(describeThresholds(DEFAULT_THRESHOLDS)).toBe(
      'The candidate passes with at least 100 compared exchanges, at most 1% of them divergent and at most 1% candidate errors, ' +
        'and no endpoint more than 1% divergent (every endpoint is judged, however few its exchanges). Latency is not judged.',
    )
  })

  it('names a per-endpoint floor, a latency limit, overrides, and small limits exactly', () => {
    const text = describeThresholds({ ...DEFAULT_THRESHOLDS, maxDivergence: 0.0005, minEndpointSamples: 50, maxLatencyRatio: 1.5, endpoints: { 'GET /a': { maxDivergence: 0.1 } } })
    expect(text).toContain('at most 0.05% of them divergent')
    expect(text).toContain('(endpoints with fewer than 50 compared exchanges are not judged)')
    expect(text).toContain("The candidate's p99 latency may be at most 1.5× the primary's.")
    expect(text).toContain('1 endpoint has its own thresholds (gate.endpoints).')
    expect(text).not.toMatch(/≤|from 0 samples/)
  })

  it('says what was measured, and when nothing or too little was compared', () => {
    const none = evaluateGate(input([]))
    expect(formatVerdict(none)).toBe(
      'FAIL (1 reason): nothing was compared (at least 100 compared exchanges are needed).\n' +
        '  window: the whole recording\n' +
        '  counts: 0 compared of 0 served (0 divergent, 0 candidate errors; 0 dropped, 0 skipped, 0 not mirrored)\n' +
        '  - too few samples: 0 compared < 100 required (minSamples)\n',
    )
    const few = evaluateGate(input([endpoint('GET', '/a', 40, 0)]))
    expect(measured(few)).toMatch(/^of 40 compared exchanges, fewer than the 100 needed, 0\.0% diverged \(1% allowed\)/)
  })

  it('with a confidence: the headline says INCONCLUSIVE in a sentence, the bounds follow, and the thresholds name the level', () => {
    const v = evaluateGate(input([endpoint('GET', '/a', 120, 0)]), { confidence: 0.95 })
    const text = formatVerdict(v)
    expect(text).toMatch(/^INCONCLUSIVE \(\d+ reasons?\): of 120 compared exchanges, 0\.0% diverged \(1% allowed\)/)
    expect(text).toContain('\n  95% Clopper–Pearson bounds: divergence 0.00% [0.00%, 2.47%] (max 1.00%)')
    expect(describeThresholds(v.thresholds)).toContain('Rates are judged on one-sided 95% Clopper–Pearson bounds')
    expect(describeThresholds(DEFAULT_THRESHOLDS)).not.toContain('Clopper')
  })
})

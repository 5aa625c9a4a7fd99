/**
 * A step fails as soon as its gate fails (issue 14): a candidate that starts
 * failing mid-step is rolled back within an evaluation period of the gate
 * having the evidence, long before the step's interval is over.
 */
import { describe, expect, it } from 'vitest'
import { keepSending, startPair, waitFor } from './promotion-kit.js'

describe('early failure', () => {
  it('rolls back within one evaluation period once the gate fails, not at the end of the interval', async () => {
    const toggles = { divergent: false, failing: false }
    const { app, proxyUrl } = await startPair(toggles, { split: { stickyHeader: 'x-user', rollbackMinRequests: 1_000_000 } })
    const traffic = keepSending(proxyUrl)
    const every = 1000
    app.promotion.start({ steps: [50, 100], intervalMs: 60_000, evaluateEveryMs: every, thresholds: { minSamples: 20, confidence: 0.95 } })
    // Let the step pass a few evaluations on a good candidate first.
    await waitFor(app, (s) => (s.lastEvidence?.compared ?? 0) >= 100)
    expect(app.promotion.status().state).toBe('running')
    const failingAt = Date.now()
    toggles.failing = true
    const s = await waitFor(app, (st) => st.state !== 'running', 30_000)
    const rolledBackAt = s.history.at(-1)!.at
    await traffic.stop()
    expect(s.state).toBe('rolled-back')
    const ev = s.history.at(-1)!.evidence!
    expect(ev.verdict).toBe('fail')
    // The evaluation before the failing one had not failed yet; the failing one came one period later at most.
    const elapsed = rolledBackAt - failingAt
    console.log(`candidate failing → rollback: ${elapsed} ms (evaluation every ${every} ms; interval 60 s); evidence: ${JSON.stringify(ev)}`)
    expect(elapsed).toBeLessThan(15_000)
    expect(s.reasons.join(' ')).toMatch(/candidate errors .*lower bound/)
    expect(app.traffic.state).toMatchObject({ mode: 'shadow', weight: 0 })
  })
})

/**
 * A promotion step is judged on exactly the traffic it served (issue 14):
 * divergent traffic before the promotion does not fail a clean step, clean
 * traffic before it does not pass a divergent one, and the step's counts
 * equal the requests sent during it. After a rollback, the next promotion
 * still compares what it serves (reverse shadow from its plan).
 */
import { describe, expect, it } from 'vitest'
import { at, send, startPair, waitFor } from './promotion-kit.js'

const N = 120
// One evaluation, at the end of the step: all N requests are in its window (early failure on a
// partial window is its own test, early-failure.test.ts).

describe('a step judged on its own traffic', () => {
  it('passes a clean step after divergent traffic, with counts equal to the requests sent during it', async () => {
    const toggles = { divergent: true, failing: false }
    const { app, proxyUrl } = await startPair(toggles)
    await send(proxyUrl, 200) // divergent, before the promotion
    await app.drain()
    toggles.divergent = false
    const started = app.promotion.start({ steps: [50], intervalMs: 3000, evaluateEveryMs: 3000, thresholds: { minSamples: N } })
    await at(started.judgedSince!)
    const { non200 } = await send(proxyUrl, N)
    expect(non200).toBe(0)
    const s = await waitFor(app, (st) => st.state !== 'running')
    expect(s.state).toBe('succeeded')
    const passed = s.history.find((e) => e.event === 'passed')!
    // Exactly what was sent during the step: served, and every one of them compared.
    expect(passed.evidence).toMatchObject({ verdict: 'pass', served: N, compared: N, divergent: 0 })
    console.log(`clean step after divergent traffic: sent ${N}, step counted served ${passed.evidence!.served}, compared ${passed.evidence!.compared}, divergent ${passed.evidence!.divergent}`)
  })

  it('fails a divergent step after clean traffic, on the step\'s requests only', async () => {
    const toggles = { divergent: false, failing: false }
    const { app, proxyUrl } = await startPair(toggles)
    await send(proxyUrl, 200) // clean, before the promotion: must not dilute the step's rate
    await app.drain()
    toggles.divergent = true
    const started = app.promotion.start({ steps: [50], intervalMs: 3000, evaluateEveryMs: 3000, thresholds: { minSamples: N } })
    await at(started.judgedSince!)
    await send(proxyUrl, N)
    const s = await waitFor(app, (st) => st.state !== 'running')
    expect(s.state).toBe('rolled-back')
    const failed = s.history.find((e) => e.event === 'rolled-back')!
    expect(failed.evidence).toMatchObject({ verdict: 'fail', served: N, compared: N, divergent: N })
    expect(app.traffic.state).toMatchObject({ mode: 'shadow', weight: 0 })
    console.log(`divergent step after clean traffic: sent ${N}, step counted served ${failed.evidence!.served}, divergent ${failed.evidence!.divergent}`)
  })

  it('after a rollback, the next promotion compares at least 99% of what it serves', async () => {
    // Reverse shadow off in the config: the next promotion must still turn it on from its plan.
    const { app, proxyUrl } = await startPair({ divergent: false, failing: false }, { split: { stickyHeader: 'x-user', reverseShadow: false } })
    app.promotion.start({ steps: [50], intervalMs: 60_000 })
    app.traffic.rollback('operator', 'drill')
    expect(app.promotion.status().state).toBe('rolled-back')
    const started = app.promotion.start({ steps: [50], intervalMs: 3000, evaluateEveryMs: 3000, thresholds: { minSamples: N } })
    expect(app.traffic.state).toEqual({ mode: 'split', weight: 50, reverseShadow: true })
    await at(started.judgedSince!)
    await send(proxyUrl, N)
    const s = await waitFor(app, (st) => st.state !== 'running')
    const e = s.history.find((h) => h.event === 'passed')!.evidence!
    expect(s.state).toBe('succeeded')
    expect(e.compared / e.served).toBeGreaterThanOrEqual(0.99)
    expect(e.notMirrored).toBe(0)
    console.log(`promotion after rollback: served ${e.served}, compared ${e.compared} (${((e.compared / e.served) * 100).toFixed(1)}%)`)
  })
})

/**
 * `promote --blue-green` (issue 14): shadow until the gate passes, one flip
 * to candidate mode with the primary mirrored and compared, then the
 * post-promotion gate for the interval; a failure after the flip rolls back.
 */
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { keepSending, startPair, waitFor } from './promotion-kit.js'

describe('blue/green promotion', () => {
  it('flips once the shadow gate passes, keeps comparing against the primary, and succeeds after the interval (CLI)', async () => {
    const { app, proxyUrl, adminUrl } = await startPair({ divergent: false, failing: false })
    const traffic = keepSending(proxyUrl)
    const run = await runCli(
      ['promote', '--blue-green', '--interval', '2s', '--evaluate-every', '500ms', '--min-samples', '30', '--admin', adminUrl],
      { timeoutMs: 30_000 },
    )
    await traffic.stop()
    expect(run.stdout, run.stderr).toContain('promoted')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('promotion started: blue/green')
    // Progress lines carry numbers.
    expect(run.stdout).toMatch(/step 2 \(100%\) passed by promotion \[\d+ compared of \d+ served, divergence 0\.0% \(0\)/)
    expect(app.traffic.state).toEqual({ mode: 'candidate', weight: 100, reverseShadow: true })
    const s = app.promotion.status()
    expect(s.history.map((e) => `${e.event}@${e.weight}`)).toEqual(['step@0', 'passed@0', 'step@100', 'passed@100', 'succeeded@100'])
    // After the flip the primary is still mirrored and compared.
    const after = s.history.find((e) => e.event === 'passed' && e.weight === 100)!.evidence!
    expect(after.compared).toBeGreaterThanOrEqual(30)
    expect(after.compared / after.served).toBeGreaterThanOrEqual(0.99)
  })

  it('rolls back to shadow when the post-promotion gate fails', async () => {
    const toggles = { divergent: false, failing: false }
    const { app, proxyUrl } = await startPair(toggles)
    // The candidate breaks as soon as it serves everyone.
    app.traffic.subscribe((e) => {
      if (e.type === 'mode' && e.data.to.mode === 'candidate') toggles.divergent = true
    })
    const traffic = keepSending(proxyUrl)
    app.promotion.start({ strategy: 'blue-green', intervalMs: 5000, evaluateEveryMs: 500, thresholds: { minSamples: 30 } })
    const s = await waitFor(app, (st) => st.state !== 'running')
    await traffic.stop()
    expect(s.state).toBe('rolled-back')
    expect(s.step).toBe(2)
    expect(s.history.map((e) => e.event)).toEqual(['step', 'passed', 'step', 'rolled-back'])
    expect(s.history.at(-1)!.evidence).toMatchObject({ verdict: 'fail' })
    expect(app.traffic.state).toMatchObject({ mode: 'shadow', weight: 0 })
    // Rolled back early: well before the 5 s post-promotion interval was over.
    const flip = s.history[2].at
    expect(s.history.at(-1)!.at - flip).toBeLessThan(5000)
  })
})

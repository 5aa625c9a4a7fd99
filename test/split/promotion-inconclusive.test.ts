/**
 * A step while the gate is inconclusive (issue 14): it lasts at least its
 * interval, waits up to maxIntervalMs, then fails or pauses; a failing gate
 * rolls back at the first evaluation, however early in the step.
 */
import { describe, expect, it } from 'vitest'
import { harness } from './promotion-harness.js'

const S = 1000
const inconclusive = { ok: false, verdict: 'inconclusive' as const, reasons: ['divergence 0.00% (0/50): 95% bounds straddle the maximum'] }
const pass = { ok: true, verdict: 'pass' as const, reasons: [] }
const fail = { ok: false, verdict: 'fail' as const, reasons: ['divergence 40.0% > 1.0% (20/50)'] }

describe('promotion with an inconclusive gate', () => {
  it('evaluates every few seconds, does not move on before the interval even on a pass, and moves on at it', async () => {
    const h = harness({ evaluateEveryInterval: false })
    h.promotion.start({ steps: [10, 100], intervalMs: 20 * S, evaluateEveryMs: 5 * S })
    await h.advance(19 * S)
    expect(h.gateCalls).toHaveLength(3) // at 5, 10, 15 s
    expect(h.promotion.status()).toMatchObject({ state: 'running', step: 1 })
    await h.advance(S)
    expect(h.gateCalls).toHaveLength(4) // exactly at the interval's end
    expect(h.promotion.status()).toMatchObject({ state: 'running', step: 2, weight: 100 })
  })

  it('waits past the interval while inconclusive, then rolls back at maxInterval', async () => {
    const h = harness({ evaluateEveryInterval: false, verdicts: () => inconclusive })
    h.promotion.start({ steps: [10, 100], intervalMs: 10 * S, maxIntervalMs: 30 * S, evaluateEveryMs: 5 * S })
    await h.advance(29 * S)
    expect(h.promotion.status()).toMatchObject({ state: 'running', step: 1 })
    expect(h.promotion.status().history.filter((e) => e.event === 'extended')).toHaveLength(1)
    await h.advance(S)
    const s = h.promotion.status()
    expect(s.state).toBe('rolled-back')
    expect(s.reasons[0]).toBe('still inconclusive after 30s (maxInterval)')
    expect(h.traffic.state.mode).toBe('shadow')
  })

  it('pauses instead with onInconclusive pause, and continue carries it on', async () => {
    const h = harness({ evaluateEveryInterval: false, verdicts: () => inconclusive })
    h.promotion.start({ steps: [10, 100], intervalMs: 10 * S, maxIntervalMs: 20 * S, evaluateEveryMs: 5 * S, onInconclusive: 'pause' })
    await h.advance(20 * S)
    expect(h.promotion.status()).toMatchObject({ state: 'paused', step: 1, weight: 10 })
    expect(h.traffic.state).toMatchObject({ mode: 'split', weight: 10 })
    expect(await h.promotion.continue('dana')).toMatchObject({ state: 'running', step: 2, weight: 100 })
  })

  it('passes as soon as the gate passes within the extension', async () => {
    const h = harness({ evaluateEveryInterval: false, verdicts: (call) => (call < 4 ? inconclusive : pass) })
    h.promotion.start({ steps: [10, 100], intervalMs: 10 * S, maxIntervalMs: 60 * S, evaluateEveryMs: 5 * S })
    await h.advance(20 * S)
    expect(h.promotion.status()).toMatchObject({ state: 'running', step: 2 })
  })

  it('rolls back at the first failing evaluation, long before the interval', async () => {
    const h = harness({ evaluateEveryInterval: false, verdicts: (call) => (call < 2 ? pass : fail) })
    const t0 = h.clock.now()
    h.promotion.start({ steps: [10, 100], intervalMs: 600 * S, evaluateEveryMs: 5 * S })
    await h.advance(10 * S)
    const s = h.promotion.status()
    expect(s.state).toBe('rolled-back')
    expect(s.history.at(-1)!.at - t0).toBe(10 * S)
    expect(h.gateCalls).toHaveLength(2)
  })

  it('judges blue/green: shadow until the gate passes, then candidate mode with reverse shadow for the interval', async () => {
    const h = harness({ evaluateEveryInterval: false, verdicts: (call) => (call < 3 ? inconclusive : pass) })
    h.promotion.start({ strategy: 'blue-green', intervalMs: 30 * S, maxIntervalMs: 60 * S, evaluateEveryMs: 5 * S })
    expect(h.traffic.state).toMatchObject({ mode: 'shadow' })
    await h.advance(15 * S) // third evaluation passes: flip at once, no minimum in the shadow phase
    expect(h.traffic.state).toEqual({ mode: 'candidate', weight: 100, reverseShadow: true })
    await h.advance(30 * S)
    expect(h.promotion.status().state).toBe('succeeded')
    expect(() => h.promotion.start({ strategy: 'blue-green', steps: [1, 100], intervalMs: S, reverseShadow: false })).toThrow(
      /leave steps out.*cannot be false/,
    )
  })
})

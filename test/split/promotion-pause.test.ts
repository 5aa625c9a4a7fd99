import { describe, expect, it } from 'vitest'
import { harness, MINUTE } from './promotion-harness.js'

describe('promotion pause and continue', () => {
  it('holds at a pause step until continue, then checks the gate over the whole pause and goes on', async () => {
    const h = harness()
    const t0 = h.clock.now()
    h.promotion.start({ steps: [1, 5, 25, 100], intervalMs: MINUTE, pauseAt: [5] })
    await h.advance(MINUTE)
    await h.advance(MINUTE) // gate passes at 5% → paused
    expect(h.promotion.status()).toMatchObject({ state: 'paused', step: 2, weight: 5, nextCheckAt: null })
    expect(h.traffic.state).toMatchObject({ mode: 'split', weight: 5 })

    // Hours pass: nothing moves without an explicit continue.
    await h.advance(600 * MINUTE)
    expect(h.promotion.status()).toMatchObject({ state: 'paused', step: 2 })
    expect(h.gateCalls).toHaveLength(2)

    const after = await h.promotion.continue('bob')
    // The continue-time gate covers the paused step from its start.
    expect(h.gateCalls[2]).toBe(t0 + MINUTE)
    expect(after).toMatchObject({ state: 'running', step: 3, weight: 25 })
    expect(h.traffic.state.weight).toBe(25)
    await h.advance(MINUTE)
    await h.advance(MINUTE)
    expect(h.promotion.status().state).toBe('succeeded')
    expect(h.promotion.status().history.filter((e) => e.event === 'paused' || e.event === 'continued').map((e) => [e.event, e.actor])).toEqual([
      ['paused', 'promotion'],
      ['continued', 'bob'],
    ])
  })

  it('rolls back on continue when the gate fails over the pause', async () => {
    const h = harness({ verdicts: (call) => (call === 1 ? { ok: true, reasons: [] } : { ok: false, reasons: ['error rate 3%'] }) })
    h.promotion.start({ steps: [5, 100], intervalMs: MINUTE, pauseAt: [5] })
    await h.advance(MINUTE)
    expect(h.promotion.status().state).toBe('paused')
    const after = await h.promotion.continue()
    expect(after).toMatchObject({ state: 'rolled-back', reasons: ['error rate 3%'] })
    expect(h.traffic.state.mode).toBe('shadow')
  })

  it('refuses continue when not paused, with a 409', async () => {
    const h = harness()
    await expect(h.promotion.continue()).rejects.toMatchObject({ statusCode: 409, message: 'Conflict: continue needs a paused promotion, but it is idle' })
    h.promotion.start({ steps: [5, 100], intervalMs: MINUTE })
    await expect(h.promotion.continue()).rejects.toThrow('continue needs a paused promotion, but it is running')
  })
})

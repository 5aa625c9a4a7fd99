import { describe, expect, it } from 'vitest'
import { harness, MINUTE } from './promotion-harness.js'

describe('promotion rolled back by the gate', () => {
  it('rolls back to shadow with the gate reasons when a step fails', async () => {
    const h = harness({
      verdicts: (call) => (call < 3 ? { ok: true, reasons: [] } : { ok: false, reasons: ['divergence rate 4.2% > 1%', 'p99 latency +80%'] }),
    })
    h.promotion.start({ steps: [1, 5, 25, 50, 100], intervalMs: MINUTE })
    await h.advance(MINUTE)
    await h.advance(MINUTE)
    expect(h.traffic.state.weight).toBe(25)
    await h.advance(MINUTE)

    // Shadow mirrors everything to the candidate again; reverse shadow stays as the plan set it.
    expect(h.traffic.state).toEqual({ mode: 'shadow', weight: 0, reverseShadow: true })
    expect(h.promotion.status()).toMatchObject({
      state: 'rolled-back',
      step: 3,
      weight: 0,
      nextCheckAt: null,
      reasons: ['divergence rate 4.2% > 1%', 'p99 latency +80%'],
    })
    const rollback = h.events.find((e) => e.type === 'rollback')!
    expect(rollback.actor).toBe('promotion')
    expect(rollback.cause).toBe('gate failed at step 3/5 (25%): divergence rate 4.2% > 1%; p99 latency +80%')
    // Nothing left scheduled: the promotion is over.
    await h.advance(60 * MINUTE)
    expect(h.gateCalls).toHaveLength(3)
    expect(h.traffic.state.mode).toBe('shadow')
  })

  it('rolls back when the gate itself throws (fail safe)', async () => {
    const h = harness({ verdicts: () => Promise.reject(new Error('store locked')) })
    h.promotion.start({ steps: [5, 100], intervalMs: MINUTE })
    await h.advance(MINUTE)
    expect(h.traffic.state.mode).toBe('shadow')
    expect(h.promotion.status()).toMatchObject({ state: 'rolled-back', reasons: ['gate evaluation failed: store locked'] })
  })

  it('ignores a verdict that arrives after the promotion was aborted', async () => {
    let release!: (v: { ok: boolean; reasons: string[] }) => void
    const h = harness({ verdicts: () => new Promise((r) => (release = r)) })
    h.promotion.start({ steps: [5, 100], intervalMs: MINUTE })
    h.clock.advance(MINUTE) // evaluation in flight
    h.promotion.abort('operator changed their mind')
    release({ ok: true, reasons: [] })
    await h.promotion.settled()
    expect(h.promotion.status()).toMatchObject({ state: 'aborted', reasons: ['operator changed their mind'] })
    expect(h.traffic.state.mode).toBe('shadow')
  })
})

import { describe, expect, it } from 'vitest'
import { harness, MINUTE } from './promotion-harness.js'

describe('promotion happy path', () => {
  it('walks 1 → 5 → 25 → 50 → 100 with the gate checked after each interval, ending in candidate mode', async () => {
    const h = harness()
    const t0 = h.clock.now()
    h.promotion.start({ steps: [1, 5, 25, 50, 100], intervalMs: 5 * MINUTE })
    // Every step sets the plan's reverse shadow (default on): candidate-served requests are compared too.
    expect(h.traffic.state).toEqual({ mode: 'split', weight: 1, reverseShadow: true })
    expect(h.promotion.status()).toMatchObject({ state: 'running', step: 1, weight: 1, stepStartedAt: t0, nextCheckAt: t0 + 5 * MINUTE })

    const seen: number[] = []
    for (let i = 0; i < 4; i++) {
      await h.advance(5 * MINUTE)
      seen.push(h.traffic.state.weight)
    }
    expect(seen).toEqual([5, 25, 50, 100])
    // The gate has not judged the last step yet.
    expect(h.promotion.status().state).toBe('running')
    await h.advance(5 * MINUTE)

    // At 100 the candidate serves everyone and the primary is mirrored as a warm rollback target.
    expect(h.traffic.state).toEqual({ mode: 'candidate', weight: 100, reverseShadow: true })
    const status = h.promotion.status()
    expect(status).toMatchObject({ state: 'succeeded', step: 5, weight: 100, nextCheckAt: null, reasons: [] })
    // Each gate call covered exactly its own step's traffic.
    expect(h.gateCalls).toEqual([0, 1, 2, 3, 4].map((i) => t0 + i * 5 * MINUTE))
    expect(status.history.map((e) => `${e.event}@${e.weight}`)).toEqual([
      'step@1', 'passed@1', 'step@5', 'passed@5', 'step@25', 'passed@25', 'step@50', 'passed@50', 'step@100', 'passed@100', 'succeeded@100',
    ])
    expect(h.clock.pending).toBe(0)
  })

  it('emits an audit event for every traffic change and every promotion transition', async () => {
    const h = harness()
    h.promotion.start({ steps: [10, 100], intervalMs: MINUTE, reverseShadow: false }, 'alice')
    await h.advance(MINUTE)
    await h.advance(MINUTE)
    expect(h.events.map((e) => `${e.type}:${e.actor}:${e.type === 'promotion' ? e.data.to.state : e.data.to.mode + '/' + e.data.to.weight}`)).toEqual([
      'mode:promotion:split/10',
      'promotion:alice:running',
      'mode:promotion:candidate/100',
      'promotion:promotion:running',
      'promotion:promotion:succeeded',
    ])
    expect(h.events[0].cause).toBe('promotion started: steps 10, 100')
    expect(h.events[2].cause).toBe('gate passed at 10%; step 2/2')
    expect(h.traffic.state.reverseShadow).toBe(false)
  })

  it('passes the thresholds to the gate', async () => {
    const h = harness()
    h.promotion.start({ steps: [100], intervalMs: 1000, thresholds: { maxDivergenceRate: 0.01 } })
    await h.advance(1000)
    expect(h.gateThresholds).toEqual([{ maxDivergenceRate: 0.01 }])
    expect(h.promotion.status().state).toBe('succeeded')
  })
})

import { describe, expect, it } from 'vitest'
import { guardTraffic } from '../../src/split/rollback-monitor.js'
import { harness, MINUTE } from './promotion-harness.js'

describe('promotion abort, conflicts and outside changes', () => {
  it('abort sends every user back to the primary and stops the timers', async () => {
    const h = harness()
    h.promotion.start({ steps: [5, 25, 100], intervalMs: MINUTE })
    const status = h.promotion.abort('pager went off', 'carol')
    expect(status).toMatchObject({ state: 'aborted', weight: 0, reasons: ['pager went off'] })
    expect(h.traffic.state.mode).toBe('shadow')
    expect(h.events.find((e) => e.type === 'rollback')).toMatchObject({ actor: 'carol', cause: 'promotion aborted: pager went off' })
    await h.advance(10 * MINUTE)
    expect(h.gateCalls).toEqual([])
    expect(() => h.promotion.abort('again')).toThrow('Conflict: no promotion to abort, it is aborted')
  })

  it('refuses a second start while one runs, and accepts one after it ended', () => {
    const h = harness()
    h.promotion.start({ steps: [5, 100], intervalMs: MINUTE })
    expect(() => h.promotion.start({ steps: [5, 100], intervalMs: MINUTE })).toThrow(
      'Conflict: a promotion is already running at step 1/2 (5%) of steps 5, 100; abort it first, or replace it',
    )
    h.promotion.abort('restart with other steps')
    expect(h.promotion.start({ steps: [10, 100], intervalMs: MINUTE })).toMatchObject({ state: 'running', step: 1, weight: 10 })
  })

  it('replaces a running promotion when asked: the old one ends aborted, the new one starts at its first step', () => {
    const h = harness()
    h.promotion.start({ steps: [5, 100], intervalMs: MINUTE })
    const replaced = h.promotion.start({ steps: [1, 50, 100], intervalMs: MINUTE }, 'carol', { replace: true })
    expect(replaced).toMatchObject({ state: 'running', step: 1, weight: 1, plan: { steps: [1, 50, 100] } })
    expect(h.traffic.state).toMatchObject({ mode: 'split', weight: 1 })
    const ended = h.events.filter((e) => e.type === 'promotion' && e.data.to.state === 'aborted')
    expect(ended.map((e) => [e.actor, e.cause])).toEqual([['carol', 'replaced by a new promotion']])
    // Never through shadow: no rollback event between the two.
    expect(h.events.some((e) => e.type === 'rollback')).toBe(false)
  })

  it('throws a 400 naming each problem of an invalid plan', () => {
    const h = harness()
    expect(() => h.promotion.start({ steps: [5, 1, 150], intervalMs: -1, pauseAt: [7] })).toThrow(
      'Bad Request: promotion.steps must increase, got 1 after 5; promotion.steps[2] must be a weight in (0, 100], got 150; ' +
        'promotion.intervalMs must be a positive number of milliseconds, got -1; promotion.pauseAt: 7 is not one of the steps 5, 1, 150',
    )
    expect(h.promotion.status().state).toBe('idle')
  })

  it('ends as rolled-back when the rollback monitor trips mid-promotion', async () => {
    const h = harness()
    const monitor = guardTraffic(h.traffic, { windowMs: 30_000, maxFailurePercent: 5, minRequests: 10, now: h.clock.now })
    h.promotion.start({ steps: [5, 25, 100], intervalMs: 5 * MINUTE })
    for (let i = 0; i < 10; i++) monitor.record(i % 2 === 0)
    expect(h.traffic.state.mode).toBe('shadow')
    expect(h.promotion.status()).toMatchObject({
      state: 'rolled-back',
      reasons: ['candidate 5xx/timeout rate 50% (5/10) over 30s > 5%'],
    })
    expect(h.events.find((e) => e.type === 'rollback')).toMatchObject({ actor: 'rollback-monitor' })
    await h.advance(10 * MINUTE)
    expect(h.gateCalls).toEqual([])
  })

  it('ends as aborted when an operator sets the weight by hand, keeping their weight', () => {
    const h = harness()
    h.promotion.start({ steps: [5, 25, 100], intervalMs: MINUTE })
    h.traffic.set({ weight: 10 }, { actor: 'dave', cause: 'hold at 10' })
    expect(h.traffic.state.weight).toBe(10)
    expect(h.promotion.status()).toMatchObject({ state: 'aborted', reasons: ['traffic changed by dave: hold at 10'] })
  })
})

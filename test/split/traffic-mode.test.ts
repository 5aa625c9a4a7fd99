import { describe, expect, it } from 'vitest'
import { ShadowdiffError } from '../../src/errors.js'
import type { AuditEvent } from '../../src/split/audit-event.js'
import { TrafficMode } from '../../src/split/traffic-mode.js'

function tracked(initial = {}) {
  const events: AuditEvent[] = []
  const traffic = new TrafficMode(initial, { now: () => 1000 })
  traffic.subscribe((e) => events.push(e))
  return { traffic, events }
}

const op = { actor: 'operator', cause: 'test' }

describe('traffic mode', () => {
  it('starts in shadow with weight 0 and holds a frozen state', () => {
    const { traffic } = tracked()
    expect(traffic.state).toEqual({ mode: 'shadow', weight: 0, reverseShadow: false })
    expect(Object.isFrozen(traffic.state)).toBe(true)
  })

  it('replaces the whole object on change, so a request holding the old state sees it unchanged', () => {
    const { traffic } = tracked()
    const held = traffic.state
    traffic.set({ mode: 'split', weight: 5 }, op)
    expect(held).toEqual({ mode: 'shadow', weight: 0, reverseShadow: false })
    expect(traffic.state).not.toBe(held)
    expect(traffic.state).toEqual({ mode: 'split', weight: 5, reverseShadow: false })
    expect(Object.isFrozen(traffic.state)).toBe(true)
  })

  it('emits one audit event per change with actor, cause, from and to; none for a no-op', () => {
    const { traffic, events } = tracked()
    traffic.set({ mode: 'split', weight: 5 }, { actor: 'alice', cause: 'first canary' })
    traffic.set({ weight: 25 }, { actor: 'alice', cause: 'looks good' })
    traffic.set({ weight: 25 }, { actor: 'alice', cause: 'again' })
    traffic.set({ reverseShadow: true }, op)
    expect(events.map((e) => [e.type, e.actor, e.cause])).toEqual([
      ['mode', 'alice', 'first canary'],
      ['weight', 'alice', 'looks good'],
      ['mode', 'operator', 'test'],
    ])
    expect(events[1]).toEqual({
      at: 1000,
      type: 'weight',
      actor: 'alice',
      cause: 'looks good',
      data: { from: { mode: 'split', weight: 5, reverseShadow: false }, to: { mode: 'split', weight: 25, reverseShadow: false } },
    })
  })

  it('implies weight 0 in shadow and 100 in candidate mode', () => {
    const { traffic } = tracked({ mode: 'split', weight: 30 })
    expect(traffic.set({ mode: 'candidate' }, op).weight).toBe(100)
    expect(traffic.set({ mode: 'shadow' }, op).weight).toBe(0)
  })

  it('rolls back to shadow, weight 0, keeping reverse shadow, for the next read, and always records the rollback', () => {
    const { traffic, events } = tracked({ mode: 'split', weight: 50, reverseShadow: true })
    traffic.rollback('rollback-monitor', 'candidate 5xx rate 40%')
    // Shadow mirrors every request to the candidate; reverse shadow stays on for the next split (issue 14).
    expect(traffic.state).toEqual({ mode: 'shadow', weight: 0, reverseShadow: true })
    traffic.rollback('operator', 'again')
    expect(events.map((e) => [e.type, e.actor, e.cause])).toEqual([
      ['rollback', 'rollback-monitor', 'candidate 5xx rate 40%'],
      ['rollback', 'operator', 'again'],
    ])
    expect(events[0].data.from).toEqual({ mode: 'split', weight: 50, reverseShadow: true })
  })

  it('throws a 400 naming the key and the value, and keeps the old state', () => {
    const { traffic, events } = tracked({ mode: 'split', weight: 5 })
    const cases: [unknown, string][] = [
      [{ weight: 150 }, "split.weight must be a finite number from 0 to 100, got 150"],
      [{ weight: Number.NaN }, 'split.weight must be a finite number from 0 to 100, got null'],
      [{ weight: '5' }, "split.weight must be a finite number from 0 to 100, got '5'"],
      [{ mode: 'canary' }, "split.mode must be one of shadow, split, candidate, got 'canary'"],
      [{ mode: 'shadow', weight: 5 }, 'split.weight must be 0 (or left out) in shadow mode, got 5'],
      [{ reverseShadow: 'yes' }, "split.reverseShadow must be true or false, got 'yes'"],
      [{ wieght: 5 }, 'split.wieght is not a known key (expected mode, weight, reverseShadow)'],
    ]
    for (const [input, message] of cases) {
      const err = (() => {
        try {
          traffic.set(input as never, op)
        } catch (e) {
          return e as ShadowdiffError
        }
      })()
      expect(err, JSON.stringify(input)).toBeInstanceOf(ShadowdiffError)
      expect(err!.statusCode).toBe(400)
      expect(err!.message).toContain(message)
    }
    expect(traffic.state).toEqual({ mode: 'split', weight: 5, reverseShadow: false })
    expect(events).toEqual([])
  })

  it('keeps fractional weights at the router resolution of 0.01', () => {
    const { traffic } = tracked()
    expect(traffic.set({ mode: 'split', weight: 0.5 }, op).weight).toBe(0.5)
    expect(traffic.set({ weight: 1 / 3 }, op).weight).toBe(0.33)
  })

  it('still changes the state and notifies the other listeners when one listener throws', () => {
    const errors: unknown[] = []
    const traffic = new TrafficMode({}, { onListenerError: (e) => errors.push(e) })
    const seen: string[] = []
    traffic.subscribe(() => {
      throw new Error('audit sink down')
    })
    traffic.subscribe((e) => seen.push(e.type))
    traffic.rollback('operator', 'drill')
    expect(seen).toEqual(['rollback'])
    expect((errors[0] as Error).message).toBe('audit sink down')
  })
})

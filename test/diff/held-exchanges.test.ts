import { describe, expect, it } from 'vitest'
import { HeldExchanges, HOLD_MS, MAX_HELD } from '../../src/diff/held-exchanges.js'
import type { HeldExchange } from '../../src/diff/held-exchanges.js'
import type { JudgedExchange } from '../../src/diff/held-exchanges.js'

const item = (n: number, heldAt = 0): HeldExchange => ({
  exchange: { id: `x${n}` } as JudgedExchange,
  divergences: [],
  awaiting: [{ key: `replace\u0000/f${n}`, wait: 'bound' }],
  heldAt,
})
const ids = (items: HeldExchange[]) => items.map((h) => h.exchange.id)

describe('held exchanges (waiting for a jitter bound)', () => {
  it('holds at most MAX_HELD; the next one is refused and counted', () => {
    const held = new HeldExchanges()
    for (let i = 0; i < MAX_HELD; i++) expect(held.add(item(i))).toBe(true)
    expect(held.add(item(MAX_HELD))).toBe(false)
    expect(held.size).toBe(MAX_HELD)
    expect(held.overflow).toBe(1)
  })

  it('take() returns the ready ones and those that waited HOLD_MS, keeps the rest in order', () => {
    const held = new HeldExchanges()
    held.add(item(1, 1_000))
    held.add(item(2, 2_000))
    held.add(item(3, 3_000))
    const now = 2_000 + HOLD_MS
    // x2 waited exactly HOLD_MS, x1 longer; x3 is ready on its own.
    expect(ids(held.take((h) => h.exchange.id === 'x3', now))).toEqual(['x1', 'x2', 'x3'])
    held.add(item(4, now))
    held.add(item(5, now))
    expect(ids(held.take(() => false, now + 1))).toEqual([])
    expect(held.size).toBe(2)
    expect(ids(held.takeAll())).toEqual(['x4', 'x5'])
    expect(held.size).toBe(0)
  })
})

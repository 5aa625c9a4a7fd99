/**
 * How often an instance runs a compaction pass (nextCompactInterval): alone
 * it compacts every part and stays at the floor; in a fleet, passes that
 * find the parts taken or just compacted by others back off to the ceiling,
 * and a pass doing a real share of the work comes back down.
 */
import { describe, expect, it } from 'vitest'
import { nextCompactInterval } from '../../../src/store/pg/pg-engine.js'

describe('the interval between compaction passes', () => {
  it('stays at 1 s for an instance that compacts every part', () => {
    expect(nextCompactInterval(1_000, 12, 12)).toBe(1_000)
    expect(nextCompactInterval(4_000, 12, 12)).toBe(2_000)
  })
  it('doubles, up to 16 s, while others do the work', () => {
    let ms = 1_000
    const seen: number[] = []
    for (let i = 0; i < 6; i++) seen.push((ms = nextCompactInterval(ms, i % 2, 12)))
    expect(seen).toEqual([2_000, 4_000, 8_000, 16_000, 16_000, 16_000])
  })
  it('holds between a quarter and a half of the parts', () => {
    expect(nextCompactInterval(8_000, 4, 12)).toBe(8_000)
    expect(nextCompactInterval(8_000, 5, 12)).toBe(8_000)
    expect(nextCompactInterval(8_000, 6, 12)).toBe(4_000)
    expect(nextCompactInterval(8_000, 3, 12)).toBe(16_000)
  })
})

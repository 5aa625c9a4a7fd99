import { describe, expect, it } from 'vitest'
import { chooseSide } from '../../src/split/sticky-router.js'
import type { TrafficState } from '../../src/split/traffic-mode.js'

const KEYS = Array.from({ length: 10_000 }, (_, i) => `user-${i}`)

function measured(weight: number): number {
  const state: TrafficState = { mode: 'split', weight, reverseShadow: false }
  const onCandidate = KEYS.filter((key) => chooseSide(state, key) === 'candidate').length
  return (onCandidate / KEYS.length) * 100
}

// Measured at collection time so the figures appear in the test names (and the report).
const results = [1, 25, 50].map((weight) => ({ weight, share: measured(weight) }))

describe('weight accuracy over 10,000 keyed requests (user-0 … user-9999)', () => {
  for (const { weight, share } of results) {
    it(`${weight}% target → ${share.toFixed(2)}% measured (within ±1.5 points)`, () => {
      console.log(`[split] weight ${weight}%: measured ${share.toFixed(2)}% of 10000 keys on the candidate`)
      expect(Math.abs(share - weight)).toBeLessThanOrEqual(1.5)
    })
  }

  it('sends no key at 0% and every key at 100%', () => {
    expect(measured(0)).toBe(0)
    expect(measured(100)).toBe(100)
  })
})

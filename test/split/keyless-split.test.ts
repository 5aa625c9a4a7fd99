import { describe, expect, it } from 'vitest'
import { chooseSide, SplitSampler } from '../../src/split/sticky-router.js'
import type { TrafficState } from '../../src/split/traffic-mode.js'

const split = (weight: number): TrafficState => ({ mode: 'split', weight, reverseShadow: false })

function count(weight: number, requests: number, sampler = new SplitSampler()): number {
  let candidate = 0
  for (let i = 0; i < requests; i++) if (chooseSide(split(weight), undefined, undefined, sampler) === 'candidate') candidate++
  return candidate
}

describe('per-request split without a key (deterministic sampler)', () => {
  it('sends exactly 10 of 100 requests at 10%, 1 of 5 at 20%, 50 of 10000 at 0.5%', () => {
    expect(count(10, 100)).toBe(10)
    expect(count(20, 5)).toBe(1)
    expect(count(0.5, 10_000)).toBe(50)
  })

  it('stays within one request of the weight at every prefix', () => {
    const sampler = new SplitSampler()
    let sent = 0
    for (let seen = 1; seen <= 1000; seen++) {
      if (chooseSide(split(25), undefined, undefined, sampler) === 'candidate') sent++
      expect(Math.abs(sent - seen * 0.25)).toBeLessThanOrEqual(1)
    }
  })

  it('meets a new weight from the next request on, not averaged with the old one', () => {
    const sampler = new SplitSampler()
    expect(count(50, 100, sampler)).toBe(50)
    expect(count(10, 100, sampler)).toBe(10)
  })

  it('treats an empty key like no key', () => {
    const sampler = new SplitSampler()
    const sides = Array.from({ length: 4 }, () => chooseSide(split(50), '', undefined, sampler))
    expect(sides).toEqual(['candidate', 'primary', 'candidate', 'primary'])
  })
})

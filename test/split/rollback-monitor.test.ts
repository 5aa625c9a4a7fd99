import { describe, expect, it } from 'vitest'
import { RollbackMonitor } from '../../src/split/rollback-monitor.js'

function monitor(options: { windowMs?: number; maxFailurePercent?: number; minRequests?: number } = {}) {
  const trips: string[] = []
  const m = new RollbackMonitor({ windowMs: 30_000, maxFailurePercent: 5, minRequests: 20, ...options, onTrip: (r) => trips.push(r) })
  return { m, trips }
}

describe('rollback monitor', () => {
  it('trips on the first request that takes the failure rate above the threshold, once', () => {
    const { m, trips } = monitor({ minRequests: 40 })
    const t = 1_000_000
    for (let i = 0; i < 38; i++) m.record(true, t + i)
    // 2/40 = 5% is not above 5%: no trip.
    m.record(false, t + 100)
    m.record(false, t + 101)
    expect(trips).toEqual([])
    m.record(false, t + 102) // 3/41 = 7.3%
    expect(trips).toEqual(['candidate 5xx/timeout rate 7.3% (3/41) over 30s > 5%'])
    for (let i = 0; i < 20; i++) m.record(false, t + 200 + i)
    expect(trips).toHaveLength(1)
    expect(m.tripped).toBe(true)
  })

  it('reports the example of the docs: 15 failures out of 40', () => {
    const { m, trips } = monitor({ minRequests: 40 })
    for (let i = 0; i < 25; i++) m.record(true, 5000)
    for (let i = 0; i < 15; i++) m.record(false, 5000)
    expect(trips).toEqual(['candidate 5xx/timeout rate 37.5% (15/40) over 30s > 5%'])
  })

  it('never trips on fewer than minRequests samples, even at 100% failures', () => {
    const { m, trips } = monitor({ minRequests: 20 })
    for (let i = 0; i < 19; i++) m.record(false, 1000)
    expect(trips).toEqual([])
    m.record(false, 1000)
    expect(trips).toHaveLength(1)
  })

  it('forgets failures that slid out of the window', () => {
    const { m, trips } = monitor({ windowMs: 10_000, minRequests: 10 })
    for (let i = 0; i < 9; i++) m.record(false, 0)
    expect(m.stats(9_999)).toMatchObject({ total: 9, failures: 9 })
    // 11 s later the 9 failures are gone; 10 successes do not trip.
    for (let i = 0; i < 10; i++) m.record(true, 11_000)
    expect(m.stats(11_000)).toMatchObject({ total: 10, failures: 0, failurePercent: 0 })
    expect(trips).toEqual([])
  })

  it('counts the whole window across buckets', () => {
    const { m } = monitor({ windowMs: 30_000, minRequests: 1000 })
    for (let s = 0; s < 30; s++) m.record(s % 2 === 0, s * 1000)
    expect(m.stats(29_000)).toEqual({ total: 30, failures: 15, failurePercent: 50 })
    expect(m.stats(30_000)).toMatchObject({ total: 29 }) // bucket 0 slid out
    expect(m.stats(1_000_000)).toMatchObject({ total: 0 })
  })

  it('re-arms after reset with an empty window', () => {
    const { m, trips } = monitor({ minRequests: 2 })
    m.record(false, 0)
    m.record(false, 0)
    m.reset()
    expect(m.tripped).toBe(false)
    expect(m.stats(0).total).toBe(0)
    m.record(false, 1)
    expect(trips).toHaveLength(1)
    m.record(false, 1)
    expect(trips).toHaveLength(2)
  })

  it('uses the injected clock when no time is given', () => {
    let now = 0
    const trips: string[] = []
    const m = new RollbackMonitor({ windowMs: 1000, minRequests: 1, maxFailurePercent: 50, now: () => now, onTrip: (r) => trips.push(r) })
    m.record(false)
    now = 5000
    expect(m.stats().total).toBe(0)
    expect(trips).toEqual(['candidate 5xx/timeout rate 100% (1/1) over 1s > 50%'])
  })

  it('throws if the options are invalid, naming each', () => {
    expect(() => new RollbackMonitor({ windowMs: 0, maxFailurePercent: 150, minRequests: 0.5, onTrip() {} })).toThrow(
      /rollback window must be a positive duration, got 0 ms.*max failure rate must be a percentage from 0 to below 100, got 150.*min requests must be an integer ≥ 1, got 0.5/,
    )
  })
})

/**
 * The adaptive share: a deterministic sample per route (exact counts,
 * whatever the order routes arrive in), and the share Little's law gives
 * from the limit, the service time and the queue.
 */
import { describe, expect, it } from 'vitest'
import { AdaptiveShare } from '../../src/mirror/adaptive-share.js'

function count(share: AdaptiveShare, routes: string[]): Map<string, { seen: number; taken: number }> {
  const out = new Map<string, { seen: number; taken: number }>()
  for (const route of routes) {
    const c = out.get(route) ?? { seen: 0, taken: 0 }
    c.seen++
    if (share.take(route)) c.taken++
    out.set(route, c)
  }
  return out
}

const repeat = (pattern: string[], times: number) => Array.from({ length: times }, () => pattern).flat()

describe('adaptive share', () => {
  it('mirrors every route at the share, exactly, however the routes interleave', () => {
    const share = new AdaptiveShare(0)
    share.set(0.25)
    // A, B alternating: one global counter would take only A's (or only B's) at 50 %.
    const alternating = count(share, repeat(['/a', '/b'], 400))
    expect(alternating.get('/a')).toEqual({ seen: 400, taken: 100 })
    expect(alternating.get('/b')).toEqual({ seen: 400, taken: 100 })

    const half = new AdaptiveShare(0)
    half.set(0.5)
    const mixed = count(half, repeat(['/a', '/b'], 500))
    expect(mixed.get('/a')?.taken).toBe(250)
    expect(mixed.get('/b')?.taken).toBe(250)

    // 3:1 traffic, 10 % share: each route's comparisons are 10 % of its own traffic.
    const tenth = new AdaptiveShare(0)
    tenth.set(0.1)
    const skewed = count(tenth, repeat(['/a', '/a', '/a', '/rare'], 1000))
    expect(skewed.get('/a')).toEqual({ seen: 3000, taken: 300 })
    expect(skewed.get('/rare')).toEqual({ seen: 1000, taken: 100 })
  })

  it('spreads the sample evenly: never two in a row at 50 %, the first request of a route is taken', () => {
    const share = new AdaptiveShare(0)
    share.set(0.5)
    const taken = Array.from({ length: 10 }, () => share.take('/x'))
    expect(taken).toEqual([true, false, true, false, true, false, true, false, true, false])
  })

  it('takes everything at 100 % and nothing at 0 %', () => {
    const share = new AdaptiveShare(0)
    expect(count(share, repeat(['/a'], 50)).get('/a')?.taken).toBe(50)
    share.set(0)
    expect(count(share, repeat(['/a'], 50)).get('/a')?.taken).toBe(0)
  })

  it('follows Little\'s law: the rate the candidate takes (limit ÷ service time) over the rate offered', () => {
    const share = new AdaptiveShare(0)
    // 1,000 offered in 100 ms (10 per ms); 100 in flight × 50 ms = 2 per ms.
    for (let i = 0; i < 1000; i++) share.take('/a')
    const s = share.update(100, { limit: 100, serviceMs: 50, meanAgeMs: 25, queued: 256, maxQueue: 512, timeoutMs: 5000 })
    // 1.1 × 2 per ms, the queue already at its target (256): 22 %.
    expect(s).toBeCloseTo(0.22, 5)
  })

  it('lets a short burst into the queue instead of shedding it', () => {
    const share = new AdaptiveShare(0)
    for (let i = 0; i < 30; i++) share.take('/a')
    // 32 in flight at 500 ms: 0.064 per ms, 160 served in half the timeout; a burst of 30 fits.
    expect(share.update(100, { limit: 32, serviceMs: 500, meanAgeMs: 250, queued: 26, maxQueue: 512, timeoutMs: 5000 })).toBe(1)
  })

  it('sheds nearly everything for a stalled candidate, from the age of what it holds', () => {
    const share = new AdaptiveShare(0)
    for (let i = 0; i < 1000; i++) share.take('/a')
    // Nothing answered yet, 4 mirrors out for 2 s, the queue beyond its target.
    const s = share.update(100, { limit: 4, serviceMs: NaN, meanAgeMs: 2000, queued: 200, maxQueue: 512, timeoutMs: 5000 })
    expect(s).toBe(0)
  })

  it('takes everything while nothing was measured and nothing is out', () => {
    const share = new AdaptiveShare(0)
    share.set(0.1)
    for (let i = 0; i < 10; i++) share.take('/a')
    expect(share.update(100, { limit: 4, serviceMs: NaN, meanAgeMs: 0, queued: 0, maxQueue: 512, timeoutMs: 5000 })).toBe(1)
  })
})

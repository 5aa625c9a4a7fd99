import { describe, expect, it } from 'vitest'
import { cancel, canceller, exchange, keys, side } from './exchanges.js'

describe('numeric noise', () => {
  /** Teaches `n` exchanges of jitter up to 0.01 on /load. */
  function taught(n: number) {
    const c = canceller({ magnitudeFactor: 4, magnitudeSamples: 10 })
    for (let i = 0; i < n; i++) cancel(c, exchange(side({ load: 1 }), side({ load: 1 }), side({ load: 1 + (i % 2 ? 0.01 : -0.006) })))
    return c
  }

  it('a difference within k × the largest noise seen is noise, beyond it a divergence, with or without a secondary', () => {
    const c = taught(20)
    expect(cancel(c, exchange(side({ load: 1 }), side({ load: 1.03 }))).divergences).toEqual([])
    const within = cancel(c, exchange(side({ load: 1 }), side({ load: 1.039 }), side({ load: 1.002 })))
    expect(keys(within.noise)).toEqual(['replace /load'])
    const beyond = cancel(c, exchange(side({ load: 1 }), side({ load: 1.05 }), side({ load: 1.004 })))
    expect(beyond.divergences).toEqual([{ kind: 'body', ops: [{ op: 'replace', path: '/load', value: 1.05 }] }])
    expect(beyond.noise).toEqual([])
  })

  it('while the magnitude is being learned, only this exchange\'s own secondary vouches for a numeric difference', () => {
    const c = taught(3)
    const provisional = cancel(c, exchange(side({ load: 1 }), side({ load: 2 }), side({ load: 1.001 })))
    expect(provisional.divergences).toEqual([])
    // Far beyond every magnitude seen so far: the compare stage holds it until the bound is learned.
    expect(provisional.awaiting).toEqual(['replace\u0000/load'])
    expect(c.boundsKnown('GET', '/r/:id', provisional.awaiting!)).toBe(false)
    // Within k × what this exchange's secondary shows: noise, nothing to wait for.
    expect(cancel(c, exchange(side({ load: 1 }), side({ load: 1.003 }), side({ load: 1.001 }))).awaiting).toBeUndefined()
    // Learned only, bound not yet established: judged against k × what was seen.
    expect(keys(cancel(c, exchange(side({ load: 1 }), side({ load: 2 }))).divergences)).toEqual(['replace /load'])
  })

  it('a number that becomes a string is a divergence however noisy the number', () => {
    const c = taught(20)
    expect(keys(cancel(c, exchange(side({ load: 1 }), side({ load: '1.0' }), side({ load: 1.005 }))).divergences)).toEqual(['replace /load'])
  })
})

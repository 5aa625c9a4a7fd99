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

  it('while the magnitude is being learned, a jump beyond k × the jitter seen waits for the bound; orders of magnitude beyond, it is divergent at once', () => {
    const c = taught(3)
    // 100× the largest jitter seen (0.01): beyond k, within decisiveFactor (1000): the exchange cannot decide.
    const provisional = cancel(c, exchange(side({ load: 1 }), side({ load: 2 }), side({ load: 1.001 })))
    expect(keys(provisional.divergences)).toEqual(['undecided /load', 'undecided undecided'])
    expect(provisional.divergences[0]).toMatchObject({
      kind: 'undecided',
      fields: [{ field: '/load', op: 'replace', awaited: 'bound', primary: 1, candidate: 2, reason: expect.stringContaining('100× the largest primary-vs-secondary difference seen there (0.01)') }],
    })
    // The compare stage holds it until the bound is learned.
    expect(provisional.awaiting).toEqual([{ key: 'replace\u0000/load', wait: 'bound' }])
    expect(c.decidable('GET', '/r/:id', provisional.awaiting!)).toBe(false)
    // Within k × what this exchange's secondary shows: noise, nothing to wait for.
    expect(cancel(c, exchange(side({ load: 1 }), side({ load: 1.003 }), side({ load: 1.001 }))).awaiting).toBeUndefined()
    // Beyond 1000 × every jitter seen: no bound learned later explains it.
    expect(keys(cancel(c, exchange(side({ load: 1 }), side({ load: 12 }), side({ load: 1.001 }))).divergences)).toEqual(['replace /load'])
    // Learned only, bound not yet established: the same wait, judged against what was learned.
    expect(cancel(c, exchange(side({ load: 1 }), side({ load: 2 }))).awaiting).toEqual([{ key: 'replace\u0000/load', wait: 'bound' }])
    // From the very first exchange: a 0.01 jump where the secondary moved by 1e-9 is a divergence.
    const fresh = canceller()
    expect(keys(cancel(fresh, exchange(side({ rate: 1.5 }), side({ rate: 1.51 }), side({ rate: 1.5 + 1e-9 }))).divergences)).toEqual(['replace /rate'])
  })

  it('without a secondary nothing more will be learned: the jump is undecided at once, not held', () => {
    const learned = taught(3).profile.takeDirty()!
    const c = canceller({ secondary: false, learned })
    const r = cancel(c, exchange(side({ load: 1 }), side({ load: 2 })))
    expect(r.awaiting).toBeUndefined()
    expect(keys(r.divergences)).toEqual(['undecided /load', 'undecided undecided'])
  })

  it('a number that becomes a string is a divergence however noisy the number', () => {
    const c = taught(20)
    expect(keys(cancel(c, exchange(side({ load: 1 }), side({ load: '1.0' }), side({ load: 1.005 }))).divergences)).toEqual(['replace /load'])
  })
})

import { describe, expect, it } from 'vitest'
import { cancel, canceller, exchange, failed, keys, side } from './exchanges.js'

describe('a sampled-out or failed secondary degrades to learned noise', () => {
  const noisy = () => side({ id: 1, requestId: crypto.randomUUID(), name: 'Ada' })

  it('without any evidence, a difference is a divergence', () => {
    const c = canceller({ coldSamples: 0 })
    expect(keys(cancel(c, exchange(noisy(), noisy())).divergences)).toEqual(['replace /requestId'])
    expect(keys(cancel(c, exchange(noisy(), noisy(), failed)).divergences)).toEqual(['replace /requestId'])
    expect(c.stats().learned).toBe(0)
  })

  it('while the route has few secondary answers, a fresh UUID without evidence waits (a later answer may show it is noise); a name change does not', () => {
    const c = canceller()
    const r = cancel(c, exchange(noisy(), noisy(), failed))
    expect(r.awaiting).toEqual([{ key: 'replace\u0000/requestId', wait: 'cold' }])
    expect(keys(r.divergences)).toEqual(['undecided /requestId', 'undecided undecided'])
    const renamed = cancel(c, exchange(noisy(), side({ id: 1, requestId: crypto.randomUUID(), name: 'Bob' })))
    expect(keys(renamed.divergences)).toEqual(['replace /name', 'undecided /requestId', 'undecided undecided'])
  })

  it('once learned, the noise is cancelled when the secondary is absent or failed, and a real change still reported', () => {
    const c = canceller()
    cancel(c, exchange(noisy(), noisy(), noisy()))
    expect(c.stats().learned).toBe(1)
    for (const secondary of [undefined, failed]) {
      const r = cancel(c, exchange(noisy(), noisy(), secondary))
      expect(r.divergences).toEqual([])
      expect(keys(r.noise)).toEqual(['replace /requestId'])
    }
    const renamed = cancel(c, exchange(noisy(), side({ id: 1, requestId: crypto.randomUUID(), name: 'Bob' }), failed))
    expect(keys(renamed.divergences)).toEqual(['replace /name'])
    // A failed secondary teaches nothing.
    expect(c.stats().learned).toBe(1)
    expect(c.profile.route('GET', '/r/:id')!.exchanges).toBe(1)
  })

  it('the equal case without a secondary costs nothing: the same divergences come back', () => {
    const c = canceller({ secondary: false })
    const divergences: never[] = []
    const ex = exchange(side({ a: 1 }), side({ a: 1 }))
    expect(c.cancel(ex, undefined as never, divergences).divergences).toBe(divergences)
  })
})

describe('a secondary that answers with another status', () => {
  it('teaches only that the status varies, not that every field may vanish', () => {
    const c = canceller()
    cancel(c, exchange(side({ id: 1, name: 'Ada' }), side({ id: 1, name: 'Ada' }), side({ error: 'unavailable' }, {}, 503)))
    const route = c.profile.route('GET', '/r/:id')!
    expect([...route.fields.keys()]).toEqual(['status\u0000status'])
    expect(keys(cancel(c, exchange(side({ id: 1, name: 'Ada' }), side({ id: 1 }))).divergences)).toEqual(['remove /name'])
  })
})

import { DEFAULT_POLICY } from '../../src/diff/default-policy.js'
import { describe, expect, it } from 'vitest'
import { cancel, canceller, exchange, keys, side } from './exchanges.js'

describe('order-only noise', () => {
  const base = { tags: ['a', 'b', 'c', 'd', 'e'], items: [{ id: 1, v: 'x' }, { id: 2, v: 'y' }, { id: 3, v: 'z' }] }

  it('a shuffled list is noise when the secondary shuffled it too', () => {
    const c = canceller()
    const r = cancel(
      c,
      exchange(side(base), side({ ...base, tags: ['e', 'd', 'c', 'b', 'a'], items: [base.items[2], base.items[0], base.items[1]] }), side({ ...base, tags: ['b', 'a', 'c', 'd', 'e'], items: [base.items[1], base.items[0], base.items[2]] })),
    )
    expect(r.divergences).toEqual([])
    expect(keys(r.noise)).toEqual(['move /items', 'move /tags'])
  })

  it('a shuffled list that lost an element reports that element, as a multiset difference', () => {
    const c = canceller()
    const r = cancel(c, exchange(side(base), side({ ...base, tags: ['d', 'a', 'e', 'b'] }), side({ ...base, tags: ['c', 'a', 'b', 'd', 'e'] })))
    expect(r.divergences).toEqual([{ kind: 'body', ops: [{ op: 'remove', path: '/tags/2' }] }])
    expect(keys(r.noise)).toEqual(['move /tags'])
  })

  it('a list in the same order that lost an element is one remove once the list is known to be order-noisy', () => {
    const c = canceller()
    cancel(c, exchange(side(base), side(base), side({ ...base, tags: ['e', 'd', 'c', 'b', 'a'] })))
    // This secondary kept the order, the candidate dropped 'b' without reordering.
    const r = cancel(c, exchange(side(base), side({ ...base, tags: ['a', 'c', 'd', 'e'] }), side(base)))
    expect(r.divergences).toEqual([{ kind: 'body', ops: [{ op: 'remove', path: '/tags/1' }] }])
  })

  it('a list the secondary never reordered: the candidate\'s reorder waits for coldSamples secondary answers, then is a divergence', () => {
    const c = canceller({ coldSamples: 3 })
    const reordered = () => cancel(c, exchange(side(base), side({ ...base, tags: ['e', 'd', 'c', 'b', 'a'] }), side(base)))
    // One secondary answer in the same order proves little: a random order may come out the same.
    const first = reordered()
    expect(keys(first.divergences)).toEqual(['undecided /tags', 'undecided undecided'])
    expect(first.divergences[0]).toMatchObject({ kind: 'undecided', fields: [{ field: '/tags', op: 'move', awaited: 'cold', reason: expect.stringContaining('the route had 1 of the 3 secondary answers') }] })
    expect(first.awaiting).toEqual([{ key: 'move\u0000/tags', wait: 'cold' }])
    expect(c.decidable('GET', '/r/:id', first.awaiting!)).toBe(false)
    reordered()
    expect(c.decidable('GET', '/r/:id', first.awaiting!)).toBe(false)
    // Three secondary answers, none reordered: the held exchange is decidable, and later ones are judged at once.
    const third = reordered()
    expect(c.decidable('GET', '/r/:id', first.awaiting!)).toBe(true)
    expect(keys(third.divergences)).toEqual(['replace /tags/*'])
    expect(third.noise).toEqual([])
    expect(keys(c.cancel(exchange(side(base), side({ ...base, tags: ['e', 'd', 'c', 'b', 'a'] }), side(base)), DEFAULT_POLICY, [], { rejudge: true }).divergences)).toEqual([])
  })

  it('while the route is cold, a secondary that reorders later turns the held reorder into noise', () => {
    const c = canceller()
    const held = cancel(c, exchange(side(base), side({ ...base, tags: ['e', 'd', 'c', 'b', 'a'] }), side(base)))
    expect(held.awaiting).toEqual([{ key: 'move\u0000/tags', wait: 'cold' }])
    cancel(c, exchange(side(base), side(base), side({ ...base, tags: ['b', 'a', 'c', 'd', 'e'] })))
    expect(c.decidable('GET', '/r/:id', held.awaiting!)).toBe(true)
  })

  it('with coldSamples 0 (or no secondary configured) a reorder without evidence is a divergence at once', () => {
    for (const c of [canceller({ coldSamples: 0 }), canceller({ secondary: false })]) {
      const r = cancel(c, exchange(side(base), side({ ...base, tags: ['e', 'd', 'c', 'b', 'a'] }), side(base)))
      expect(keys(r.divergences)).toEqual(['replace /tags/*'])
      expect(r.awaiting).toBeUndefined()
    }
  })
})

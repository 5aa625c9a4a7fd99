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

  it('a list the secondary never reordered is a divergence when the candidate reorders it', () => {
    const c = canceller()
    const r = cancel(c, exchange(side(base), side({ ...base, tags: ['e', 'd', 'c', 'b', 'a'] }), side(base)))
    expect(keys(r.divergences)).toEqual(['replace /tags/*'])
    expect(r.noise).toEqual([])
  })
})

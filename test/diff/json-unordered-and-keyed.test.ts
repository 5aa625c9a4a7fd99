import { applyPatch, validate } from 'fast-json-patch'
import { describe, expect, it } from 'vitest'
import { diffJson } from '../../src/diff/json-diff.js'
import { DEFAULT_POLICY } from '../../src/diff/default-policy.js'
import { policyOf } from './policies.js'

describe('unordered arrays (multisets)', () => {
  const policy = policyOf('unordered: [/tags, /groups/*/members]')

  it('ignores order, including nested unordered arrays and object key order', () => {
    const a = { tags: ['a', 'b', 'b', { x: 1, y: [2] }], groups: [{ members: [1, 2, 3] }] }
    const b = { tags: [{ y: [2], x: 1 }, 'b', 'a', 'b'], groups: [{ members: [3, 1, 2] }] }
    expect(diffJson(a, b, policy)).toEqual([])
  })

  it('counts duplicates: a multiset, not a set', () => {
    const a = { tags: ['a', 'b', 'b'] }
    const b = { tags: ['b', 'a', 'a'] }
    const ops = diffJson(a, b, policy)
    expect(ops).toEqual([{ op: 'replace', path: '/tags/2', value: 'a' }])
  })

  it('a changed element is one nested diff, an extra one an add', () => {
    const a = { tags: [{ id: 1, v: 1 }, { id: 2, v: 2 }] }
    const b = { tags: [{ id: 2, v: 2 }, { id: 3, v: 3 }, { id: 1, v: 9 }] }
    const ops = diffJson(a, b, policy)
    expect(validate(ops, a)).toBeUndefined()
    expect(ops).toHaveLength(2)
  })
})

describe('keyed arrays', () => {
  const policy = policyOf('keyed: { /items: id }')

  it('an insertion in the middle is ONE add (index diff gives a cascade)', () => {
    const items = Array.from({ length: 5 }, (_, i) => ({ id: i, name: 'n' + i }))
    const inserted = [...items.slice(0, 2), { id: 99, name: 'new' }, ...items.slice(2)]
    expect(diffJson({ items }, { items: inserted }, policy)).toEqual([{ op: 'add', path: '/items/2', value: { id: 99, name: 'new' } }])
    expect(diffJson({ items }, { items: inserted }, DEFAULT_POLICY).length).toBeGreaterThan(3)
  })

  it('a removal is one remove; a changed element is diffed field by field', () => {
    const a = { items: [{ id: 'a', v: 1 }, { id: 'b', v: 1 }, { id: 'c', v: 1 }] }
    const b = { items: [{ id: 'a', v: 1 }, { id: 'c', v: 2 }] }
    const ops = diffJson(a, b, policy)
    expect(ops).toEqual([
      { op: 'remove', path: '/items/1' },
      { op: 'replace', path: '/items/1/v', value: 2 },
    ])
    expect(applyPatch(structuredClone(a), ops).newDocument).toEqual(b)
  })

  it('ignores reordering of keyed elements and distinguishes 1 from "1"', () => {
    const a = { items: [{ id: 1 }, { id: 2 }] }
    expect(diffJson(a, { items: [{ id: 2 }, { id: 1 }] }, policy)).toEqual([])
    const ops = diffJson(a, { items: [{ id: '1' }, { id: 2 }] }, policy)
    expect(ops).toEqual([
      { op: 'remove', path: '/items/0' },
      { op: 'add', path: '/items/0', value: { id: '1' } },
    ])
  })

  it('elements without the key are matched by value', () => {
    const a = { items: ['x', { id: 1 }] }
    expect(diffJson(a, { items: [{ id: 1 }, 'x'] }, policy)).toEqual([])
  })
})

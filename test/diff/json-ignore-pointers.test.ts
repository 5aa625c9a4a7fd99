import { applyPatch, validate } from 'fast-json-patch'
import { describe, expect, it } from 'vitest'
import { diffJson } from '../../src/diff/json-diff.js'
import { compareResponses } from '../../src/diff/compare-responses.js'
import { compilePointer } from '../../src/diff/pointer-pattern.js'
import { json } from './responses.js'
import { policyOf } from './policies.js'

describe('ignore.body', () => {
  const policy = policyOf('ignore: { body: [/requestId, /items/*/updatedAt, "/**/traceId", /a~1b, /m~0n] }')

  it('removes exact, one-level (*) and any-depth (**) matches before comparing', () => {
    const a = { requestId: 1, items: [{ id: 1, updatedAt: 'x' }], deep: { x: { traceId: 1 } }, traceId: 1, 'a/b': 1, 'm~n': 1, keep: 1 }
    const b = { requestId: 2, items: [{ id: 1, updatedAt: 'y' }], deep: { x: { traceId: 2 } }, 'a/b': 2, 'm~n': 2, keep: 2 }
    expect(diffJson(a, b, policy)).toEqual([{ op: 'replace', path: '/keep', value: 2 }])
  })

  it('drops ignored members from added values and does not report them added or removed', () => {
    const ops = diffJson({ items: [] }, { items: [{ id: 1, updatedAt: 'y', traceId: 3 }], requestId: 5 }, policy)
    expect(ops).toEqual([{ op: 'add', path: '/items/0', value: { id: 1 } }])
  })

  it('reports through compareResponses as one body divergence, [] when only ignored fields differ', () => {
    expect(compareResponses(json({ requestId: 1 }), json({ requestId: 2 }), policy)).toEqual([])
    expect(compareResponses(json({ requestId: 1, n: 1 }), json({ requestId: 2, n: 2 }), policy)).toEqual([
      { kind: 'body', ops: [{ op: 'replace', path: '/n', value: 2 }] },
    ])
  })

  it('a pointer naming an array element removes it; ops stay valid on the filtered primary', () => {
    const p = policyOf('ignore: { body: [/list/0] }')
    const a = { list: ['volatile', 1, 2] }
    const b = { list: ['other', 1, 3, 4] }
    const ops = diffJson(a, b, p)
    expect(ops).toEqual([
      { op: 'replace', path: '/list/1', value: 3 },
      { op: 'add', path: '/list/2', value: 4 },
    ])
    const filtered = { list: [1, 2] }
    expect(validate(ops, filtered)).toBeUndefined()
    expect(applyPatch(filtered, ops).newDocument).toEqual({ list: [1, 3, 4] })
  })

  it('matches patterns the same way compilePointer().matches does', () => {
    const p = compilePointer('/a/**/b/*')
    expect(p.matches(['a', 'b', 'c'])).toBe(true)
    expect(p.matches(['a', 'x', 'y', 'b', 'c'])).toBe(true)
    expect(p.matches(['a', 'b'])).toBe(false)
    expect(compilePointer('/x~1y~0z').tokens).toEqual(['x/y~z'])
  })
})

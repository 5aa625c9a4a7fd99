import { describe, expect, it } from 'vitest'
import { walkJson } from '../../src/noise/json-walk.js'
import type { Json } from '../../src/noise/json-walk.js'
import { automatonFor } from '../../src/diff/pointer-automaton.js'
import { DEFAULT_POLICY } from '../../src/diff/default-policy.js'
import { compilePointer } from '../../src/diff/pointer-pattern.js'
import type { ComparePolicy } from '../../src/diff/policy.js'

const ops = (a: Json, b: Json, policy?: ComparePolicy) =>
  walkJson(a, b, policy ? automatonFor(policy).root : null)!.map((d) => `${d.op} ${d.path}`).sort()

describe('value-level walk pairs array elements by identity', () => {
  it('objects with an id in another order: one move and the nested differences at the candidate index', () => {
    const a = { items: [{ id: 1, w: 1.0 }, { id: 2, w: 2.0 }, { id: 3, w: 3.0 }] }
    const b = { items: [{ id: 3, w: 3.0 }, { id: 1, w: 1.1 }, { id: 2, w: 2.0 }] }
    expect(ops(a, b)).toEqual(['move /items', 'replace /items/1/w'])
  })

  it('objects without an id pair with the element they differ least from', () => {
    const a = [{ n: 'a', s: 0.1 }, { n: 'b', s: 0.2 }]
    const b = [{ n: 'b', s: 0.21 }, { n: 'a', s: 0.11 }]
    expect(ops(a, b)).toEqual(['move ', 'replace /0/s', 'replace /1/s'])
  })

  it('a lost element is a remove, an extra one an add, whatever the order of the rest', () => {
    expect(ops(['a', 'b', 'c'], ['c', 'a'])).toEqual(['move ', 'remove /1'])
    expect(ops(['a', 'b'], ['a', 'b', 'x'])).toEqual(['add /2'])
  })

  it('ids that are themselves random identify nothing: elements pair by content', () => {
    const a = [{ id: 'r1', name: 'x' }, { id: 'r2', name: 'y' }]
    const b = [{ id: 'q1', name: 'x' }, { id: 'q2', name: 'y' }]
    expect(ops(a, b)).toEqual(['replace /0/id', 'replace /1/id'])
  })

  it('keeps the values and where the candidate value lives', () => {
    const b = { x: { t: 2 } }
    const [d] = walkJson({ x: { t: 1 } }, b, null)!
    expect(d).toMatchObject({ op: 'replace', path: '/x/t', a: 1, b: 2, key: 't' })
    expect(d.holder).toBe(b.x)
  })

  it('respects ignore.body, tolerance and declared unordered arrays', () => {
    const policy: ComparePolicy = {
      ...DEFAULT_POLICY,
      ignoreBody: [compilePointer('/t')],
      tolerance: [{ pointer: compilePointer('/v'), abs: 0.1 }],
      unordered: [compilePointer('/set')],
    }
    expect(ops({ t: 1, v: 1, set: [1, 2] }, { t: 2, v: 1.05, set: [2, 1] }, policy)).toEqual([])
  })

  it('gives up (null) beyond maxDiffs', () => {
    const big = (k: number) => Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`f${i}`, k]))
    expect(walkJson(big(1), big(2), null, { maxDiffs: 10, maxDepth: 10 })).toBeNull()
  })
})

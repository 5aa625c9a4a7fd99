/**
 * Property tests on random JSON: the diff is empty on equal documents, its
 * patch turns one document into the other, and ignored pointers never show.
 */
import fc from 'fast-check'
import { applyPatch, JsonPatchError } from 'fast-json-patch'
import { describe, expect, it } from 'vitest'
import { diffJson } from '../../src/diff/json-diff.js'
import { compareResponses } from '../../src/diff/compare-responses.js'
import { DEFAULT_POLICY } from '../../src/diff/default-policy.js'
import { compilePointer } from '../../src/diff/pointer-pattern.js'
import type { PointerPattern } from '../../src/diff/policy.js'
import { json } from './responses.js'

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }

// JSON round trip: what a body parses to (no -0, no undefined).
const jsonDoc = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.parse(JSON.stringify(v)) as Json)
const keys = fc.constantFrom('a', 'b', 'id', 'x/y', 'm~n', '0', '')
const smallDoc: fc.Arbitrary<Json> = fc.letrec<{ v: Json }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom<Json>(null, true, 1, 2, 'a', 'b'),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(keys, tie('v'), { maxKeys: 4 }),
  ),
})).v

// banPrototypeModifications off: a JSON body's own "__proto__" key is an ordinary key in RFC 6902.
const apply = (doc: Json, ops: ReturnType<typeof diffJson>) => applyPatch(structuredClone(doc), ops, true, true, false).newDocument

/** fast-json-patch's validate(), without its prototype ban (which it cannot turn off). */
function validate(ops: ReturnType<typeof diffJson>, doc: Json): JsonPatchError | undefined {
  try {
    applyPatch(doc, ops, true, false, false)
    return undefined
  } catch (err) {
    if (err instanceof JsonPatchError) return err
    throw err
  }
}

/** Independent reference filter: drops every node whose path a pattern matches. */
function filterDoc(v: Json, patterns: PointerPattern[], path: string[] = []): Json {
  if (v === null || typeof v !== 'object') return v
  if (Array.isArray(v)) {
    const out: Json[] = []
    v.forEach((x, i) => {
      const p = [...path, String(i)]
      if (!patterns.some((pt) => pt.matches(p))) out.push(filterDoc(x, patterns, p))
    })
    return out
  }
  const out: { [k: string]: Json } = {}
  for (const [k, x] of Object.entries(v)) {
    const p = [...path, k]
    if (!patterns.some((pt) => pt.matches(p))) Object.defineProperty(out, k, { value: filterDoc(x, patterns, p), enumerable: true, writable: true, configurable: true })
  }
  return out
}

/** JSON with object keys sorted: key order is not a difference. */
const canon = (v: Json): string =>
  v === null || typeof v !== 'object'
    ? JSON.stringify(v)
    : Array.isArray(v)
      ? '[' + v.map(canon).join(',') + ']'
      : '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + canon(v[k])).join(',') + '}'

const escape = (t: string) => t.replace(/~/g, '~0').replace(/\//g, '~1')
const pointerArb = fc
  .array(fc.oneof(keys, fc.constant('*'), fc.constant('**'), fc.constantFrom('0', '1')), { minLength: 1, maxLength: 3 })
  .map((tokens) => '/' + tokens.map(escape).join('/'))
const policyIgnoring = (sources: string[]) => ({ ...DEFAULT_POLICY, ignoreBody: sources.map(compilePointer) })

describe('JSON diff properties', () => {
  it('a body\'s own "__proto__" key is diffed as an ordinary key', () => {
    const a = JSON.parse('{"__proto__": {"x": 1}, "k": 1}') as Json
    const b = JSON.parse('{"__proto__": {"x": 2}, "k": 1}') as Json
    const ops = diffJson(a, b, DEFAULT_POLICY)
    expect(ops).toEqual([{ op: 'replace', path: '/__proto__/x', value: 2 }])
    expect(validate(ops, structuredClone(a))).toBeUndefined()
    expect(JSON.stringify(apply(a, ops))).toBe(JSON.stringify(b))
  })

  it('diff(a, a) is empty, through compareResponses too', () => {
    fc.assert(
      fc.property(jsonDoc, (a) => {
        expect(diffJson(a, structuredClone(a), DEFAULT_POLICY)).toEqual([])
        expect(compareResponses(json(a), json(a), DEFAULT_POLICY)).toEqual([])
      }),
      { numRuns: 300 },
    )
  })

  it('apply(a, diff(a, b)) equals b, and the patch is valid RFC 6902', () => {
    fc.assert(
      fc.property(jsonDoc, jsonDoc, (a, b) => {
        const ops = diffJson(a, b, DEFAULT_POLICY)
        expect(validate(ops, structuredClone(a))).toBeUndefined()
        expect(apply(a, ops)).toEqual(b)
      }),
      { numRuns: 300 },
    )
  })

  it('with ignored pointers: no op at or under them, and the patch maps filtered a to filtered b', () => {
    fc.assert(
      fc.property(smallDoc, smallDoc, fc.array(pointerArb, { minLength: 1, maxLength: 3 }), (a, b, sources) => {
        const patterns = sources.map(compilePointer)
        const ops = diffJson(a, b, policyIgnoring(sources))
        // A pattern matching the root (`/**`) ignores the whole document.
        if (patterns.some((p) => p.matches([]))) {
          expect(ops).toEqual([])
          return
        }
        // Ops address the filtered document: once `/list/0` is dropped, the old
        // `/list/1` is reported as `/list/0`. So the textual check skips index patterns.
        const named = patterns.filter((p) => !p.tokens.some((t) => /^\d+$/.test(t)))
        for (const op of ops) {
          const tokens = op.path === '' ? [] : op.path.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
          for (let n = 1; n <= tokens.length; n++) expect(named.some((p) => p.matches(tokens.slice(0, n)))).toBe(false)
        }
        const fa = filterDoc(a, patterns)
        expect(validate(ops, structuredClone(fa))).toBeUndefined()
        expect(apply(fa, ops)).toEqual(filterDoc(b, patterns))
      }),
      { numRuns: 500 },
    )
  })

  it('unordered root arrays: the patch yields b as a multiset', () => {
    const policy = { ...DEFAULT_POLICY, unordered: [compilePointer('')] }
    const sorted = (v: Json) => (v as Json[]).map(canon).sort()
    fc.assert(
      fc.property(fc.array(smallDoc, { maxLength: 6 }), fc.array(smallDoc, { maxLength: 6 }), (a, b) => {
        const ops = diffJson(a, b, policy)
        expect(validate(ops, structuredClone(a))).toBeUndefined()
        expect(sorted(apply(a, ops))).toEqual(sorted(b))
        expect(diffJson(a, [...a].reverse(), policy)).toEqual([])
      }),
      { numRuns: 300 },
    )
  })

  it('keyed arrays: the patch yields b as a multiset; one extra element is one add', () => {
    const policy = { ...DEFAULT_POLICY, keyed: [{ pointer: compilePointer('/items'), key: 'id' }] }
    const item = fc.record({ id: fc.integer({ min: 0, max: 5 }), v: smallDoc })
    const sorted = (v: Json) => (v as { items: Json[] }).items.map(canon).sort()
    fc.assert(
      fc.property(fc.uniqueArray(item, { selector: (x) => x.id, maxLength: 5 }), fc.array(item, { maxLength: 5 }), (ia, ib) => {
        const a = { items: ia } as Json
        const b = { items: ib } as Json
        const ops = diffJson(a, b, policy)
        expect(validate(ops, structuredClone(a))).toBeUndefined()
        expect(sorted(apply(a, ops))).toEqual(sorted(b))
        const extra = { id: 100, v: 'new' }
        const at = Math.floor(ia.length / 2)
        expect(diffJson(a, { items: [...ia.slice(0, at), extra, ...ia.slice(at)] }, policy)).toEqual([{ op: 'add', path: `/items/${at}`, value: extra }])
      }),
      { numRuns: 300 },
    )
  })
})

import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { isDeepStrictEqual } from 'node:util'
import { createHash } from 'node:crypto'
import jsonpatch from 'fast-json-patch'
import { compareResponses } from '../../src/diff/compare-responses.js'
import { DEFAULT_POLICY } from '../../src/diff/default-policy.js'
import type { ComparePolicy } from '../../src/diff/policy.js'
import type { CapturedResponse, Divergence, HeaderMap, SideResult } from '../../src/types.js'
import { policyOf } from '../diff/policies.js'

const RUNS = Number(process.env.FUZZ_RUNS ?? 200)
const MAX_MS = 1_000

// A spread of real policies, compiled from rule YAML the way the proxy gets them.
const POLICIES: [string, ComparePolicy][] = [
  ['default', DEFAULT_POLICY],
  ['ignore', policyOf('ignore: { headers: [etag, date], body: [/a, /**/id, /items/*/ts] }')],
  ['unordered', policyOf('unordered: [/items, /**/tags]')],
  ['keyed', policyOf('keyed: { /items: id }')],
  ['tolerance', policyOf('tolerance: { /**/price: { abs: 0.5 }, /n: { rel: 0.1 } }')],
  ['text', policyOf('text: { trim: true, collapseWhitespace: true, replace: [{ pattern: "\\\\d+", with: "N" }] }')],
  ['all headers', policyOf('compare: { headers: all }')],
]

const json = fc.jsonValue({ maxDepth: 4 })
const keyish = fc.constantFrom('id', 'a', 'items', 'ts', 'price', 'n', 'tags', 'x')
// JSON built from a few shared keys so arrays of objects, ids and prices actually meet the policies.
const shapedJson = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.integer({ min: -3, max: 3 }),
    fc.double({ noNaN: true, noDefaultInfinity: true, min: -10, max: 10 }),
    fc.constantFrom('a', 'b', ' a  b ', '12', ''),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(keyish, tie('v'), { maxKeys: 4 }),
  ),
})).v

const contentType = fc.constantFrom(undefined, 'application/json', 'application/problem+json; charset=utf-8', 'text/plain', 'text/html; charset=utf-8', 'application/octet-stream', 'JSON', ';;;')
const headerMap: fc.Arbitrary<HeaderMap> = fc.dictionary(
  fc.constantFrom('etag', 'date', 'x-a', 'set-cookie', 'cache-control', 'content-length', 'vary'),
  fc.oneof(fc.string({ maxLength: 8 }), fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 })),
  { maxKeys: 4 },
)
const bodyBytes = fc.oneof(
  json.map((v) => Buffer.from(JSON.stringify(v))),
  shapedJson.map((v) => Buffer.from(JSON.stringify(v))),
  fc.string({ maxLength: 60 }).map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 60 }).map((a) => Buffer.from(a)),
)

function captured(status: number, headers: HeaderMap, type: string | undefined, body: Buffer, truncateAt?: number): CapturedResponse {
  const h = type === undefined ? headers : { ...headers, 'content-type': type }
  if (truncateAt === undefined || truncateAt >= body.length) return { ok: true, status, headers: h, body, size: body.length, complete: true, latencyMs: 1 }
  return { ok: true, status, headers: h, body: body.subarray(0, truncateAt), size: body.length, complete: false, sha256: createHash('sha256').update(body).digest('hex'), latencyMs: 1 }
}

const responseArb: fc.Arbitrary<SideResult> = fc.oneof(
  { weight: 9, arbitrary: fc.tuple(fc.integer({ min: 100, max: 599 }), headerMap, contentType, bodyBytes, fc.option(fc.nat({ max: 40 }), { nil: undefined })).map(([s, h, t, b, cut]) => captured(s, h, t, b, cut)) },
  { weight: 1, arbitrary: fc.constantFrom('REFUSED', 'TIMEOUT', 'RESET', 'BAD_RESPONSE').map((code): SideResult => ({ ok: false, code, message: code, latencyMs: 1 })) },
)
const policyArb = fc.constantFrom(...POLICIES)

/** Runs one comparison with a time bound and checks the result is a well-formed Divergence list. */
function compare(a: SideResult, b: SideResult, policy: ComparePolicy): Divergence[] {
  const started = performance.now()
  const out = compareResponses(a, b, policy)
  expect(performance.now() - started).toBeLessThan(MAX_MS)
  expect(Array.isArray(out)).toBe(true)
  for (const d of out) {
    expect(['status', 'header', 'body', 'error']).toContain(d.kind)
    if (d.kind === 'body' && 'ops' in d) for (const op of d.ops) expect(['add', 'remove', 'replace', 'move', 'copy', 'test']).toContain(op.op)
  }
  return out
}

describe('fuzz: the diff engine', () => {
  it('any two responses under any policy: never throws, well-formed divergences, failures and status handled as documented', () => {
    fc.assert(
      fc.property(responseArb, responseArb, policyArb, (a, b, [, policy]) => {
        const out = compare(a, b, policy)
        if (!a.ok) return void expect(out).toEqual([])
        if (!b.ok) return void expect(out).toEqual([{ kind: 'error', code: b.code, message: b.message }])
        expect(out.some((d) => d.kind === 'status')).toBe(a.status !== b.status)
        expect(out.filter((d) => d.kind === 'body').length).toBeLessThanOrEqual(1)
      }),
      { numRuns: RUNS },
    )
  })

  it('a response compared with itself is equal under every policy', () => {
    fc.assert(
      fc.property(responseArb, policyArb, (a, [, policy]) => {
        const copy = a.ok ? { ...a, headers: structuredClone(a.headers), body: Buffer.from(a.body) } : a
        expect(compare(a, copy, policy)).toEqual([])
      }),
      { numRuns: RUNS },
    )
  })

  it('default policy, JSON bodies: equal exactly when the JSON values are equal, symmetric, and the ops turn primary into candidate', () => {
    const body = fc.oneof(json, shapedJson)
    fc.assert(
      fc.property(body, body, (x, y) => {
        const a = captured(200, {}, 'application/json', Buffer.from(JSON.stringify(x)))
        const b = captured(200, {}, 'application/json', Buffer.from(JSON.stringify(y)))
        const out = compare(a, b, DEFAULT_POLICY)
        const back = compare(b, a, DEFAULT_POLICY)
        // Parse both: JSON.stringify turned -0 into 0 and the like.
        const px = JSON.parse(JSON.stringify(x))
        const py = JSON.parse(JSON.stringify(y))
        expect(out.length === 0, 'equal iff the values are equal').toBe(isDeepStrictEqual(px, py))
        expect(back.length === 0, 'symmetric').toBe(out.length === 0)
        const ops = out.find((d) => d.kind === 'body' && 'ops' in d) as { ops: jsonpatch.Operation[] } | undefined
        if (ops) {
          const patched = jsonpatch.applyPatch(structuredClone(px), structuredClone(ops.ops), true, false, false).newDocument
          expect(patched).toEqual(py)
        }
      }),
      { numRuns: RUNS },
    )
  })

  it('policies hold: ignored paths, reordered unordered arrays and reordered keyed arrays are never divergences', () => {
    const policy = (name: string) => POLICIES.find(([n]) => n === name)![1]
    const asJson = (v: unknown) => captured(200, {}, 'application/json', Buffer.from(JSON.stringify(v)))
    fc.assert(
      fc.property(shapedJson, shapedJson, shapedJson, fc.array(shapedJson, { maxLength: 6 }), (rest, x, y, items) => {
        // ignore: /a and any id at any depth.
        const base = { rest, keep: 1 }
        expect(compare(asJson({ ...base, a: x, deep: { id: x } }), asJson({ ...base, a: y, deep: { id: y } }), policy('ignore'))).toEqual([])
        // unordered: the same items in reverse order.
        expect(compare(asJson({ items: items }), asJson({ items: [...items].reverse() }), policy('unordered'))).toEqual([])
        // keyed by id: objects with unique ids, reversed.
        const keyed = items.map((v, i) => ({ id: i, v }))
        expect(compare(asJson({ items: keyed }), asJson({ items: [...keyed].reverse() }), policy('keyed'))).toEqual([])
      }),
      { numRuns: RUNS },
    )
  })

  it('hostile bodies: deep nesting, huge arrays, many keys finish in bounded time', () => {
    const deep = (n: number, leaf: string) => '['.repeat(n) + leaf + ']'.repeat(n)
    const cases: [string, string][] = [
      [deep(20_000, '1'), deep(20_000, '2')],
      [JSON.stringify(Array.from({ length: 20_000 }, (_, i) => i)), JSON.stringify(Array.from({ length: 20_000 }, (_, i) => 20_000 - i))],
      [JSON.stringify(Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i]))), JSON.stringify(Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, -i])))],
      ['{"a":' + '"x'.repeat(1) + '\\u'.repeat(1000), '{"a":1}'],
    ]
    for (const [, policy] of POLICIES) {
      for (const [x, y] of cases) {
        const started = performance.now()
        const out = compareResponses(captured(200, {}, 'application/json', Buffer.from(x)), captured(200, {}, 'application/json', Buffer.from(y)), policy)
        expect(out.length).toBeGreaterThan(0)
        expect(performance.now() - started).toBeLessThan(5_000)
      }
    }
  })
})

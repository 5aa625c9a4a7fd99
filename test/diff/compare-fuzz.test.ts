/**
 * Fuzz: compareResponses never throws on arbitrary bodies and content types,
 * under the default policy and a policy using every feature.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compareResponses } from '../../src/diff/compare-responses.js'
import { DEFAULT_POLICY } from '../../src/diff/default-policy.js'
import { captured } from './responses.js'
import { policyOf } from './policies.js'

const everything = policyOf(String.raw`ignore: { body: [/a, "/**/id", /l/0], headers: [etag] }
unordered: [/l, "/*/u"]
keyed: { /k: id, "/**/k": name }
tolerance: { "/**/n": { abs: 0.5 } }
text: { replace: [{ pattern: '\d+', with: N }], trim: true, collapseWhitespace: true }
compare: { headers: all }`)

const types = fc.constantFrom(undefined, 'application/json', 'text/html; charset=utf-8', 'image/png', 'application/octet-stream', 'application/problem+json')
const jsonBody = fc.jsonValue({ maxDepth: 5 }).map((v) => JSON.stringify(v) ?? 'null')
const body = fc.oneof(jsonBody, fc.string({ maxLength: 100 }), fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)))
const response = fc.record({ body, type: types, status: fc.constantFrom(200, 404) }).map(({ body, type, status }) =>
  captured(body, type === undefined ? {} : { 'content-type': type }, status),
)

describe('compareResponses fuzz', () => {
  it('never throws, and equal inputs give []', () => {
    fc.assert(
      fc.property(response, response, (p, c) => {
        for (const policy of [DEFAULT_POLICY, everything]) {
          const d = compareResponses(p, c, policy)
          expect(Array.isArray(d)).toBe(true)
          expect(compareResponses(p, p, policy)).toEqual([])
        }
      }),
      { numRuns: 400 },
    )
  })

  it('falls back to hashes for JSON nested deeper than the stack', () => {
    const deep = (leaf: number) => '['.repeat(50_000) + leaf + ']'.repeat(50_000)
    const [d] = compareResponses(captured(deep(1), { 'content-type': 'application/json' }), captured(deep(2), { 'content-type': 'application/json' }), DEFAULT_POLICY)
    expect(d).toHaveProperty('sha256')
  })
})

import { performance } from 'node:perf_hooks'
import { describe, expect, it } from 'vitest'
import { compareResponses } from '../../src/diff/compare-responses.js'
import { DEFAULT_POLICY } from '../../src/diff/default-policy.js'
import type { CapturedResponse } from '../../src/types.js'
import { sha256 } from '../../src/diff/compare-body.js'
import { captured, json } from './responses.js'
import { policyOf } from './policies.js'

describe('body fast paths', () => {
  it('equal bytes are equal without parsing, even when they are not valid JSON', () => {
    const bad = captured('{not json', { 'content-type': 'application/json' })
    expect(compareResponses(bad, captured('{not json', { 'content-type': 'application/json; charset=utf-8' }), DEFAULT_POLICY)).toEqual([])
  })

  it('costs under 2 µs for identical 1 KB bodies under 10 rules', () => {
    const doc = { items: Array.from({ length: 20 }, (_, i) => ({ id: i, name: 'item ' + i })) }
    const p = json(doc)
    const c = json(doc)
    const policy = policyOf('ignore: { body: [/a, /b, /**/traceId], headers: [etag] }\nunordered: [/items]')
    for (let i = 0; i < 20_000; i++) compareResponses(p, c, policy)
    // Best of 20 batches: the machine is shared, and a load spike must not
    // fail the test; the fast path itself must stay far under 2 µs.
    let perCallUs = Infinity
    for (let batch = 0; batch < 20; batch++) {
      const n = 5_000
      const t0 = performance.now()
      for (let i = 0; i < n; i++) compareResponses(p, c, policy)
      perCallUs = Math.min(perCallUs, ((performance.now() - t0) * 1000) / n)
    }
    expect(perCallUs).toBeLessThan(2)
  })

  it('compares size and SHA-256 when a body was truncated', () => {
    const big = (hash: string, size: number): CapturedResponse => ({ ...json({}), complete: false, sha256: hash, size })
    expect(compareResponses(big('aa', 10), big('aa', 10), DEFAULT_POLICY)).toEqual([])
    expect(compareResponses(big('aa', 10), big('bb', 11), DEFAULT_POLICY)).toEqual([
      { kind: 'body', sha256: { primary: 'aa', candidate: 'bb' }, size: { primary: 10, candidate: 11 } },
    ])
    // A complete side has no sha256 yet: it is hashed on the spot.
    const small = json({ a: 1 })
    const [d] = compareResponses(small, big('bb', 5000), DEFAULT_POLICY)
    expect(d).toMatchObject({ kind: 'body', sha256: { primary: sha256(small.body), candidate: 'bb' } })
  })

  it('compares binary bodies by hash', () => {
    const a = captured(Buffer.from([0x89, 0x50, 0x00, 0x01]), { 'content-type': 'image/png' })
    const b = captured(Buffer.from([0x89, 0x50, 0x00, 0x02]), { 'content-type': 'image/png' })
    const [d] = compareResponses(a, b, DEFAULT_POLICY)
    expect(d).toEqual({ kind: 'body', sha256: { primary: sha256(a.body), candidate: sha256(b.body) }, size: { primary: 4, candidate: 4 } })
  })
})

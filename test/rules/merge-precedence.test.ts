import { describe, expect, it } from 'vitest'
import { compileRules } from '../../src/rules/load-rules.js'
import { request } from '../diff/responses.js'

const policyFor = (text: string) => compileRules([{ file: 'a.yaml', text }]).match(request('GET', '/')).policy

describe('combining several matching rules', () => {
  it('unites ignore lists and unordered pointers', () => {
    const p = policyFor(`rules:
  - ignore: { headers: [ETag], body: [/a], query: [cb] }
    unordered: [/t]
  - ignore: { headers: [x-request-id], body: [/a, /b], query: [_] }
    unordered: [/u]
`)
    expect([...p.ignoreHeaders]).toEqual(['etag', 'x-request-id'])
    expect(p.ignoreBody.map((x) => x.source)).toEqual(['/a', '/b'])
    expect([...p.ignoreQuery]).toEqual(['cb', '_'])
    expect(p.unordered.map((x) => x.source)).toEqual(['/t', '/u'])
  })

  it("compare.headers: 'all' wins over lists; lists unite; default is media type", () => {
    expect(policyFor('rules:\n  - name: x\n').compareHeaders).toBe('media-type')
    expect(policyFor('rules:\n  - compare: { headers: [a] }\n  - compare: { headers: [B] }\n').compareHeaders).toEqual(new Set(['a', 'b']))
    expect(policyFor('rules:\n  - compare: { headers: [a] }\n  - compare: { headers: all }\n').compareHeaders).toBe('all')
  })

  it('keyed and tolerance: the later rule wins per pointer', () => {
    const p = policyFor(`rules:
  - keyed: { /items: id, /other: k }
    tolerance: { /t: { abs: 1 } }
  - keyed: { /items: sku }
    tolerance: { /t: { rel: 0.5 } }
`)
    expect(p.keyed.map((k) => [k.pointer.source, k.key])).toEqual([['/other', 'k'], ['/items', 'sku']])
    expect(p.tolerance).toHaveLength(1)
    expect(p.tolerance[0]).toMatchObject({ rel: 0.5 })
  })

  it('text: replace lists concatenate in order; trim and collapseWhitespace take the last explicit value', () => {
    const p = policyFor(String.raw`rules:
  - text: { replace: [{ pattern: '\d+', with: N }], trim: true, collapseWhitespace: true }
  - text: { replace: [{ pattern: 'x', with: y, flags: i }], trim: false }
`)
    expect(p.text.replace.map((r) => [r.pattern.source, r.pattern.flags, r.replacement])).toEqual([
      ['\\d+', '', 'N'],
      ['x', 'i', 'y'],
    ])
    expect(p.text.trim).toBe(false)
    expect(p.text.collapseWhitespace).toBe(true)
  })
})

import { describe, expect, it } from 'vitest'
import { diffJson } from '../../src/diff/json-diff.js'
import { policyOf } from './policies.js'
import { compileRules } from '../../src/rules/load-rules.js'
import { request } from './responses.js'

describe('tolerance', () => {
  const policy = policyOf('tolerance: { /total: { abs: 0.01 }, /ratio: { rel: 1e-6 }, "/rows/*/price": { abs: 0.5, rel: 0.1 } }')

  it('treats numbers within abs as equal', () => {
    expect(diffJson({ total: 10 }, { total: 10.009 }, policy)).toEqual([])
    expect(diffJson({ total: 10 }, { total: 10.02 }, policy)).toEqual([{ op: 'replace', path: '/total', value: 10.02 }])
  })

  it('treats numbers within rel × the larger magnitude as equal', () => {
    expect(diffJson({ ratio: 1_000_000 }, { ratio: 1_000_000.9 }, policy)).toEqual([])
    expect(diffJson({ ratio: 1 }, { ratio: 1.01 }, policy)).toHaveLength(1)
  })

  it('with abs and rel, either one suffices; wildcards apply', () => {
    const rows = (p: number[]) => ({ rows: p.map((price) => ({ price })) })
    expect(diffJson(rows([1, 100]), rows([1.4, 109]), policy)).toEqual([])
    expect(diffJson(rows([1]), rows([1.6]), policy)).toHaveLength(1)
  })

  it('never applies to non-numbers', () => {
    expect(diffJson({ total: '10' }, { total: '10.001' }, policy)).toHaveLength(1)
  })

  it('the later rule wins for the same pointer', () => {
    const text = 'rules:\n  - tolerance: { /t: { abs: 1 } }\n  - tolerance: { /t: { abs: 0.1 } }\n'
    const p = compileRules([{ file: 'a.yaml', text }]).match(request('GET', '/')).policy
    expect(diffJson({ t: 1 }, { t: 1.5 }, p)).toHaveLength(1)
  })
})

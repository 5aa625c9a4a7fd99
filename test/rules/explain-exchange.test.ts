import { describe, expect, it } from 'vitest'
import { compileRules } from '../../src/rules/load-rules.js'
import { explainExchange } from '../../src/rules/explain-exchange.js'
import { json, request } from '../diff/responses.js'

describe('explainExchange', () => {
  it('lists, per matching rule, the differences it hides', () => {
    const rs = compileRules([
      {
        file: 'r.yaml',
        text: `rules:
  - name: request ids
    ignore: { body: [/requestId], headers: [x-trace] }
    compare: { headers: [x-trace, x-version] }
  - name: users
    match: { path: /users/:id }
    ignore: { body: [/updatedAt] }
  - name: unrelated
    match: { path: /orders }
`,
      },
    ])
    const e = explainExchange(
      rs,
      request('GET', '/users/1'),
      json({ requestId: 1, updatedAt: 1, name: 'a' }, { 'x-trace': '1', 'x-version': '1' }),
      json({ requestId: 2, updatedAt: 2, name: 'b' }, { 'x-trace': '2', 'x-version': '2' }),
    )
    expect(e.route).toBe('/users/:id')
    expect(e.divergences).toEqual([
      { kind: 'header', name: 'x-version', primary: '1', candidate: '2' },
      { kind: 'body', ops: [{ op: 'replace', path: '/name', value: 'b' }] },
    ])
    expect(e.rules).toEqual([
      { rule: 'request ids', at: 'r.yaml:2', removed: [{ kind: 'body', ops: [{ op: 'replace', path: '/requestId', value: 2 }] }] },
      { rule: 'users', at: 'r.yaml:5', removed: [{ kind: 'body', ops: [{ op: 'replace', path: '/updatedAt', value: 2 }] }] },
    ])
  })

  it('reports differences hidden only by two rules together as shadowed', () => {
    const rs = compileRules([{ file: 'r.yaml', text: 'rules:\n  - name: a\n    ignore: { body: [/t] }\n  - name: b\n    ignore: { body: ["/**/t"] }\n' }])
    const e = explainExchange(rs, request('GET', '/'), json({ t: 1 }), json({ t: 2 }))
    expect(e.rules.map((r) => r.removed)).toEqual([[], []])
    expect(e.shadowed).toEqual([{ kind: 'body', ops: [{ op: 'replace', path: '/t', value: 2 }] }])
  })
})

/**
 * `rules explain` with a format rule: a fresh value of the same format is
 * listed as hidden by the rule; a change of format stays a divergence,
 * carries its message, and is not listed as hidden by the rule that reports it.
 */
import { describe, expect, it } from 'vitest'
import { compileRules } from '../../src/rules/load-rules.js'
import { explainExchange } from '../../src/rules/explain-exchange.js'
import { json, request } from '../diff/responses.js'

describe('explainExchange with a format rule', () => {
  it('lists same-format differences as removed and keeps format changes as divergences', () => {
    const rs = compileRules([
      { file: 'r.yaml', text: 'rules:\n  - name: timestamps\n    format: { body: [/generatedAt, /createdAt], headers: [etag] }\n' },
    ])
    const e = explainExchange(
      rs,
      request('GET', '/users/1'),
      json({ generatedAt: '2025-01-02T03:04:05.678Z', createdAt: '2025-01-01T00:00:00.000Z' }, { etag: '"aaaaaaaa"' }),
      json({ generatedAt: '2025-01-02T03:04:06.001Z', createdAt: 'Wed, 01 Jan 2025 00:00:00 GMT' }, { etag: 'W/"aaaaaaaa"' }),
    )
    expect(e.divergences).toEqual([
      { kind: 'header', name: 'etag', primary: '"aaaaaaaa"', candidate: 'W/"aaaaaaaa"', message: 'format changed: etag(hex:8) → weak-etag(hex:8)' },
      {
        kind: 'body',
        ops: [{ op: 'replace', path: '/createdAt', value: 'Wed, 01 Jan 2025 00:00:00 GMT', message: 'format changed: iso-datetime:T:s:f:Z → http-date' }],
      },
    ])
    expect(e.rules).toEqual([
      { rule: 'timestamps', at: 'r.yaml:2', removed: [{ kind: 'body', ops: [{ op: 'replace', path: '/generatedAt', value: '2025-01-02T03:04:06.001Z' }] }] },
    ])
    expect(e.shadowed).toEqual([])
  })
})

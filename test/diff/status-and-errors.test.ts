import { describe, expect, it } from 'vitest'
import { compareResponses } from '../../src/diff/compare-responses.js'
import { DEFAULT_POLICY } from '../../src/diff/default-policy.js'
import { captured, failed, json } from './responses.js'

describe('compareResponses: status and failed sides', () => {
  it('reports a differing status', () => {
    expect(compareResponses(json({}), json({}, {}, 500), DEFAULT_POLICY)).toEqual([{ kind: 'status', primary: 200, candidate: 500 }])
  })

  it('reports a failed candidate as one error divergence', () => {
    expect(compareResponses(json({}), failed('ECONNREFUSED', 'connect ECONNREFUSED'), DEFAULT_POLICY)).toEqual([
      { kind: 'error', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' },
    ])
  })

  it('returns [] when the primary failed: there is nothing to compare against', () => {
    expect(compareResponses(failed('TIMEOUT'), json({ a: 1 }), DEFAULT_POLICY)).toEqual([])
    expect(compareResponses(failed('TIMEOUT'), failed('RESET'), DEFAULT_POLICY)).toEqual([])
  })

  it('reports status, header and body together', () => {
    const d = compareResponses(json({ a: 1 }), captured('<p>oops</p>', { 'content-type': 'text/html' }, 502), DEFAULT_POLICY)
    expect(d.map((x) => x.kind)).toEqual(['status', 'header', 'body'])
  })
})

/**
 * Every example in rules/examples/ must load, alone and all together, and do what its
 * comments promise on a representative exchange.
 */
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkRules, loadRuleSet } from '../../src/rules/load-rules.js'
import { compareResponses } from '../../src/diff/compare-responses.js'
import { json, request, text } from '../diff/responses.js'

const dir = fileURLToPath(new URL('../../rules/examples/', import.meta.url))
const files = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f))

describe('example rule files', () => {
  it('there are examples for headers, ids, lists, floats and HTML', () => {
    expect(files.length).toBeGreaterThanOrEqual(5)
  })

  it.each(files)('%s is valid', (file) => {
    expect(checkRules(join(dir, file))).toEqual([])
    expect(loadRuleSet(join(dir, file)).size).toBeGreaterThan(0)
  })

  it('the whole folder loads and silences the false alarms it was written for', () => {
    const rs = loadRuleSet(dir)
    const page = rs.match(request('GET', '/app/home'))
    expect(compareResponses(
      text('<p>at 2024-01-01T00:00:00Z</p>\n<script src="/a.0123abcd.js" nonce="x1"></script>\n', 'text/html'),
      text('  <p>at 2025-02-02T10:10:10.5Z</p>\n<script src="/a.9999ffff.js" NONCE="y2"></script>', 'text/html'),
      page.policy,
    )).toEqual([])
    const search = rs.match(request('GET', '/api/search?page=2'))
    expect(search.rules).toContain('search results')
    const results = (ids: number[]) => ids.map((id) => ({ id, price: 1, tags: ['a', 'b'] }))
    const [d] = compareResponses(
      json({ results: results([1, 2, 3]), cursor: 'x', total: 3 }),
      json({ results: results([9, 1, 2, 3]), cursor: 'y', total: 3.001 }),
      search.policy,
    )
    expect(d).toEqual({ kind: 'body', ops: [{ op: 'add', path: '/results/0', value: { id: 9, price: 1, tags: ['a', 'b'] } }] })
  })

  it('ids and timestamps are compared by format: fresh values pass, a format change is reported', () => {
    const rs = loadRuleSet(dir)
    const users = rs.match(request('GET', '/api/users/7'))
    const body = (id: string, seen: string) => ({ requestId: id, lastSeenAt: seen, meta: { generatedAt: '2025-01-01T00:00:00Z' }, debug: { pid: Math.random() } })
    const p = json(body('3f1c2a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60', '2025-01-02T03:04:05.678Z'))
    expect(compareResponses(p, json(body('a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d', '2025-02-03T04:05:06.789Z')), users.policy)).toEqual([])
    expect(compareResponses(p, json(body('a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d', 'Mon, 03 Feb 2025 04:05:06 GMT')), users.policy)).toEqual([
      { kind: 'body', ops: [{ op: 'replace', path: '/lastSeenAt', value: 'Mon, 03 Feb 2025 04:05:06 GMT', message: 'format changed: iso-datetime:T:s:f:Z → http-date' }] },
    ])
  })
})

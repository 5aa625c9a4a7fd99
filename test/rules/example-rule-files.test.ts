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
})

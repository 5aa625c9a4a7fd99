/**
 * Every rule feature, end to end: real primary and candidate upstreams, the
 * real proxy, the real store. Each case plants differences that one feature
 * must hide, and one it must still report.
 */
import { describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { request } from 'undici'
import { startUpstream } from '../helpers/upstream.js'
import { startProxy, tempDir } from '../helpers/proxy.js'
import { listDivergences } from '../../src/store/list-divergences.js'

type Reply = { status?: number; headers?: Record<string, string>; body: unknown }
type Case = {
  name: string
  rules: string
  primary: Reply
  candidate: Reply
  path?: string
  method?: string
  headers?: Record<string, string>
  /** Fields (as stored: folded pointers, header:<name>, status) still reported. */
  expectFields: string[]
}

function serve(reply: Reply) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body)
    const type = typeof reply.body === 'string' ? 'text/html; charset=utf-8' : 'application/json'
    res.writeHead(reply.status ?? 200, { 'content-type': type, ...reply.headers })
    res.end(text)
  }
}

const cases: Case[] = [
  {
    name: 'match: method list, path pattern, query and header conditions select the rule',
    rules: `rules:
  - match: { method: [GET, HEAD], path: /api/**, query: { v: 2 }, header: { x-beta: true } }
    ignore: { body: [/a] }`,
    path: '/api/x/y?v=2',
    headers: { 'x-beta': '1' },
    primary: { body: { a: 1, b: 1 } },
    candidate: { body: { a: 2, b: 2 } },
    expectFields: ['/b'],
  },
  {
    name: 'match: a rule whose header condition fails does not apply',
    rules: `rules:
  - match: { path: /api/**, header: { x-beta: true } }
    ignore: { body: [/a] }`,
    path: '/api/x',
    primary: { body: { a: 1, b: 1 } },
    candidate: { body: { a: 2, b: 2 } },
    expectFields: ['/a', '/b'],
  },
  {
    name: 'ignore.headers and compare.headers: all',
    rules: `rules:
  - compare: { headers: all }
    ignore: { headers: [x-build] }`,
    primary: { headers: { 'x-build': '1', 'cache-control': 'max-age=60' }, body: { a: 1 } },
    candidate: { headers: { 'x-build': '2', 'cache-control': 'no-store' }, body: { a: 1 } },
    expectFields: ['header:cache-control'],
  },
  {
    name: 'compare.headers list widens only to the names given',
    rules: `rules:
  - compare: { headers: [vary] }`,
    primary: { headers: { vary: 'accept', 'x-other': '1' }, body: { a: 1 } },
    candidate: { headers: { vary: 'origin', 'x-other': '2' }, body: { a: 1 } },
    expectFields: ['header:vary'],
  },
  {
    name: 'ignore.body with * and **',
    rules: `rules:
  - ignore: { body: [/items/*/updatedAt, /**/traceId] }`,
    primary: { body: { items: [{ id: 1, updatedAt: 'x', price: 1 }], meta: { deep: { traceId: 'p' } } } },
    candidate: { body: { items: [{ id: 1, updatedAt: 'y', price: 2 }], meta: { deep: { traceId: 'c' } } } },
    expectFields: ['/items/*/price'],
  },
  {
    name: 'unordered arrays are multisets: reorder hidden, a lost element reported',
    rules: `rules:
  - unordered: [/tags, /lost]`,
    primary: { body: { tags: ['a', 'b', 'c'], lost: ['x', 'y', 'z'] } },
    candidate: { body: { tags: ['c', 'a', 'b'], lost: ['z', 'x'] } },
    expectFields: ['/lost/*'],
  },
  {
    name: 'keyed arrays: an insertion is one add',
    rules: `rules:
  - keyed: { /items: id }`,
    primary: { body: { items: [{ id: 1 }, { id: 2 }, { id: 3 }] } },
    candidate: { body: { items: [{ id: 0 }, { id: 1 }, { id: 2 }, { id: 3 }] } },
    expectFields: ['/items/*'],
  },
  {
    name: 'tolerance: abs and rel',
    rules: `rules:
  - tolerance: { /total: { abs: 0.01 }, /ratio: { rel: 1e-6 }, /far: { abs: 0.01 } }`,
    primary: { body: { total: 10.0, ratio: 0.333333333, far: 1 } },
    candidate: { body: { total: 10.004, ratio: 0.3333333331, far: 1.5 } },
    expectFields: ['/far'],
  },
  {
    name: 'text: replace, trim, collapseWhitespace, then a unified diff',
    rules: `rules:
  - text:
      replace: [{ pattern: '\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z', with: '<time>' }]
      trim: true
      collapseWhitespace: true`,
    primary: { body: '<p>Generated 2026-01-01T00:00:00.000Z</p>\n<p>Total: 10</p>' },
    candidate: { body: '  <p>Generated   2026-11-27T05:00:00.123Z</p>\n\n<p>Total: 11</p>  ' },
    expectFields: ['body'],
  },
]

describe('rule features through the real proxy', () => {
  it.each(cases)('$name', async (c) => {
    const dir = tempDir()
    const rules = join(dir, 'rules.yaml')
    writeFileSync(rules, c.rules)
    const { proxyUrl, app, db } = await startProxy({
      primary: await startUpstream(serve(c.primary)),
      candidate: await startUpstream(serve(c.candidate)),
      rules,
    })
    const res = await request(proxyUrl + (c.path ?? '/thing'), { method: (c.method ?? 'GET') as 'GET', headers: c.headers })
    await res.body.dump()
    await app.drain()
    expect(app.stats.compared).toBe(1)
    const rows = listDivergences([db], { limit: 5 })
    const fields = rows.flatMap((r) => r.fields.map((f) => f.field))
    if (c.expectFields.length === 0) expect(rows).toEqual([])
    else expect([...new Set(fields)].sort()).toEqual([...c.expectFields].sort())
    if (c.name.startsWith('text')) {
      const body = rows[0].divergences.find((d) => d.kind === 'body')
      expect(body && 'text' in body ? body.text : '').toMatch(/^-<p>Total: 10<\/p>$/m)
      expect(body && 'text' in body ? body.text : '').toMatch(/^\+<p>Total: 11<\/p>$/m)
    }
    if (c.name.startsWith('keyed')) {
      expect(rows[0].patch).toHaveLength(1)
      expect(rows[0].patch?.[0]).toMatchObject({ op: 'add', value: { id: 0 } })
    }
  })
})

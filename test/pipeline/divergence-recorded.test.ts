import { describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { request } from 'undici'
import { json, startUpstream } from '../helpers/upstream.js'
import { startProxy, tempDir } from '../helpers/proxy.js'
import { listDivergences } from '../../src/store/list-divergences.js'

describe('divergences are recorded with kinds and patch', () => {
  it('records status, header and body differences; equal exchanges only as counts', async () => {
    const primary = await startUpstream((req, res) => {
      if (req.url?.startsWith('/same')) return json(res, 200, { a: 1 })
      json(res, 200, { id: 7, name: 'Ada', tags: ['x'] })
    })
    const candidate = await startUpstream((req, res) => {
      if (req.url?.startsWith('/same')) return json(res, 200, { a: 1 })
      if (req.url?.startsWith('/status')) return json(res, 500, { id: 7, name: 'Ada', tags: ['x'] })
      if (req.url?.startsWith('/type')) {
        res.writeHead(200, { 'content-type': 'text/html' })
        return res.end('<p>hi</p>')
      }
      json(res, 200, { id: 7, name: 'Bob', tags: ['x', 'y'] })
    })
    const { proxyUrl, app, db } = await startProxy({ primary, candidate })
    for (const path of ['/same/1', '/users/7?full=1&x=%20y', '/status/1', '/type/1']) {
      await (await request(proxyUrl + path)).body.dump()
    }
    await app.drain()
    expect(app.stats.compared).toBe(4)
    expect(app.stats.divergent).toBe(3)

    const rows = listDivergences([db], { limit: 10 })
    expect(rows).toHaveLength(3)
    const byUrl = Object.fromEntries(rows.map((r) => [r.url, r]))
    const body = byUrl['/users/7?full=1&x=%20y']
    expect(body.kinds).toEqual(['body'])
    expect(body.method).toBe('GET')
    expect(body.route).toBe('/users/:id')
    expect(body.primaryStatus).toBe(200)
    expect(body.candidateStatus).toBe(200)
    expect(body.patch).toEqual(expect.arrayContaining([{ op: 'replace', path: '/name', value: 'Bob' }, { op: 'add', path: '/tags/1', value: 'y' }]))
    expect(body.patch).toHaveLength(2)
    expect(byUrl['/status/1'].kinds).toEqual(['status'])
    expect(byUrl['/status/1'].candidateStatus).toBe(500)
    expect(byUrl['/type/1'].kinds).toEqual(expect.arrayContaining(['headers', 'body']))
  })

  it('ignore rules remove exactly what they name', async () => {
    const dir = tempDir()
    const rules = join(dir, 'rules.yaml')
    writeFileSync(
      rules,
      `rules:
  - name: volatile
    match: { method: GET, path: /api/users/:id }
    ignore:
      headers: [x-trace]
      body: [/requestId, /items/*/updatedAt]
`,
    )
    let n = 0
    const handler = (side: string) => (_req: unknown, res: import('node:http').ServerResponse) => {
      n++
      json(
        res,
        200,
        { requestId: `${side}-${n}`, items: [{ id: 1, updatedAt: `${side}${n}`, price: side === 'p' ? 10 : 11 }], other: `${side}` },
        { 'x-trace': `${side}${n}` },
      )
    }
    const { proxyUrl, app, db } = await startProxy({
      primary: await startUpstream(handler('p')),
      candidate: await startUpstream(handler('c')),
      rules,
      mirror: { methods: ['GET', 'POST'] },
    })
    await (await request(proxyUrl + '/api/users/1')).body.dump()
    // Same body on a route the rule does not match: nothing is ignored there.
    await (await request(proxyUrl + '/api/users/1', { method: 'POST', body: '{}' })).body.dump()
    await app.drain()
    const rows = listDivergences([db], { limit: 10 })
    const get = rows.find((r) => r.method === 'GET')!
    const post = rows.find((r) => r.method === 'POST')!
    expect(get.route).toBe('/api/users/:id')
    expect(get.patch?.map((op) => op.path).sort()).toEqual(['/items/0/price', '/other'])
    expect(post.patch?.map((op) => op.path).sort()).toEqual(['/items/0/price', '/items/0/updatedAt', '/other', '/requestId'])
  })
})

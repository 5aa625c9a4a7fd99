import { describe, expect, it } from 'vitest'
import { request } from 'undici'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { json, startUpstream } from '../helpers/upstream.js'
import { listDivergences } from '../../src/store/list-divergences.js'
import { startReceiver } from './start-receiver.js'

interface Held {
  req: IncomingMessage
  res: ServerResponse
  body: string
}

/** An upstream that holds every request until the test answers it; `arrived(n)` resolves once n have come in. */
async function holdingUpstream(): Promise<{ url: string; held: Held[]; arrived: (n: number) => Promise<void> }> {
  const held: Held[] = []
  let count = 0
  const waiters: { n: number; resolve: () => void }[] = []
  const url = await startUpstream((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      held.push({ req, res, body })
      count++
      for (const w of waiters) if (count >= w.n) w.resolve()
    })
  })
  const arrived = (n: number) => (count >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })))
  return { url, held, arrived }
}

describe('receiver mode', () => {
  it('answers each gateway copy with 204 while the primary and the candidate are still working', async () => {
    const primary = await holdingUpstream()
    const candidate = await holdingUpstream()
    const { receiverUrl, app, db } = await startReceiver({ primary: primary.url, candidate: candidate.url, mirror: { methods: ['GET', 'PUT'] } })

    const get = await request(`${receiverUrl}/api/users/7?full=1`, { headers: { 'x-request-id': 'gw-get' } })
    expect(get.statusCode).toBe(204)
    expect(get.headers['x-request-id']).toBe('gw-get')
    await get.body.dump()
    const put = await request(`${receiverUrl}/api/users/7`, { method: 'PUT', body: '{"name":"Ada"}', headers: { 'content-type': 'application/json', 'x-request-id': 'gw-put' } })
    expect(put.statusCode).toBe(204)
    await put.body.dump()
    // Both copies were answered; no upstream has answered anything yet.
    expect(primary.held.every((h) => !h.res.headersSent) && candidate.held.every((h) => !h.res.headersSent)).toBe(true)

    const calls = () => primary.held.concat(candidate.held).map((h) => [h.req.method, h.req.url, h.body, h.req.headers['x-request-id']].join(' '))
    await Promise.all([primary.arrived(2), candidate.arrived(2)])
    expect(calls().sort()).toEqual([
      'GET /api/users/7?full=1  gw-get',
      'GET /api/users/7?full=1  gw-get',
      'PUT /api/users/7 {"name":"Ada"} gw-put',
      'PUT /api/users/7 {"name":"Ada"} gw-put',
    ])
    const drained = app.drain()
    // The receiver itself calls both sides, with the copy's method, URL, body and id.
    const release = setInterval(() => {
      for (const h of primary.held.splice(0)) json(h.res, 200, { id: 7, name: 'Ada', seen: [h.req.method, h.req.url, h.body, h.req.headers['x-request-id']] })
      for (const h of candidate.held.splice(0)) json(h.res, 200, { id: 7, name: h.req.method === 'PUT' ? 'Bob' : 'Ada', seen: [h.req.method, h.req.url, h.body, h.req.headers['x-request-id']] })
    }, 5)
    await drained
    clearInterval(release)

    expect(app.stats.served).toBe(2)
    expect(app.stats.mirrored).toBe(2)
    expect(app.stats.compared).toBe(2)
    expect(app.stats.divergent).toBe(1)
    const rows = listDivergences([db], { limit: 10 })
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ id: 'gw-put', method: 'PUT', url: '/api/users/7', patch: [{ op: 'replace', path: '/name', value: 'Bob' }] })
  })

  it('answers but never replays methods that are not mirrored (side effects would run twice)', async () => {
    let calls = 0
    const upstream = await startUpstream((_req, res) => {
      calls++
      json(res, 200, {})
    })
    const { receiverUrl, app } = await startReceiver({ primary: upstream, candidate: upstream })
    const res = await request(`${receiverUrl}/api/orders`, { method: 'POST', body: 'x'.repeat(10_000) })
    expect(res.statusCode).toBe(204)
    await res.body.dump()
    await app.drain()
    expect(calls).toBe(0)
    expect(app.stats.notMirrored).toBe(1)
    expect(app.stats.mirrored).toBe(0)
    expect(app.stats.served).toBe(1)
  })
})

import { describe, expect, it } from 'vitest'
import { request } from 'undici'
import { json, startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'

describe('mirrored calls', () => {
  it('carry the request body, come back whole, and time out by their deadline', async () => {
    const bodies: string[] = []
    const primary = await startUpstream((req, res) => {
      req.resume()
      json(res, 200, { path: req.url, big: 'x'.repeat(100_000) })
    })
    const candidate = await startUpstream(async (req, res) => {
      let body = ''
      for await (const chunk of req) body += chunk
      bodies.push(body)
      // /stall never answers: only the mirror deadline ends it.
      if (req.url === '/stall') return
      json(res, req.url === '/changed' ? 201 : 200, { path: req.url, big: 'x'.repeat(100_000) })
    })
    const { proxyUrl, app } = await startProxy({ primary, candidate, mirror: { timeoutMs: 300, methods: ['GET', 'POST'] } })
    for (const path of ['/same', '/changed', '/stall']) {
      const res = await request(proxyUrl + path, { method: 'POST', body: `body of ${path}`, headers: { 'content-type': 'text/plain' } })
      expect(res.statusCode).toBe(200)
      await res.body.dump()
    }
    await app.drain()
    expect(bodies.sort()).toEqual(['body of /changed', 'body of /same', 'body of /stall'])
    expect(app.stats.compared).toBe(3)
    expect(app.stats.divergent).toBe(2)
    expect(app.stats.candidateErrors).toBe(1)
    expect(app.stats.dropped).toBe(0)
  })
})

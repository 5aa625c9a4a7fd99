import { describe, expect, it } from 'vitest'
import { request } from 'undici'
import type { IncomingHttpHeaders } from 'node:http'
import { json, startUpstream } from '../helpers/upstream.js'
import { listDivergences } from '../../src/store/list-divergences.js'
import { originalHost } from '../../src/proxy/gateway-copy.js'
import { startReceiver } from './start-receiver.js'

describe('gateway copies are restored to the client request', () => {
  it("removes Envoy/Istio's -shadow host suffix, before or after the port", () => {
    expect(originalHost('api.example.com-shadow')).toBe('api.example.com')
    expect(originalHost('api.example.com-shadow:8080')).toBe('api.example.com:8080')
    expect(originalHost('api.example.com:8080-shadow')).toBe('api.example.com:8080')
    expect(originalHost('[::1]-shadow:8080')).toBe('[::1]:8080')
    expect(originalHost('api.example.com')).toBe('api.example.com')
    expect(originalHost('my-shadow-service.internal')).toBe('my-shadow-service.internal')
  })

  it('sends both sides the original Host and URI and keeps the gateway request id as the exchange id', async () => {
    const seen: Record<string, IncomingHttpHeaders & { url?: string }> = {}
    const side = (name: string, price: number) =>
      startUpstream((req, res) => {
        seen[name] = { ...req.headers, url: req.url }
        json(res, 200, { id: 7, price })
      })
    const { receiverUrl, app, db } = await startReceiver({ primary: await side('primary', 10), candidate: await side('candidate', 11) })

    // What nginx's mirror subrequest looks like: the internal location's URI, the original in X-Original-URI.
    const res = await request(`${receiverUrl}/_shadowdiff?x=1`, {
      headers: { host: 'api.example.com-shadow', 'x-original-uri': '/api/items/7?x=1', 'x-request-id': 'gw-42' },
    })
    expect(res.statusCode).toBe(204)
    await res.body.dump()
    await app.drain()

    for (const name of ['primary', 'candidate']) {
      expect(seen[name].host).toBe('api.example.com')
      expect(seen[name].url).toBe('/api/items/7?x=1')
      expect(seen[name]['x-original-uri']).toBeUndefined()
      expect(seen[name]['x-request-id']).toBe('gw-42')
      expect(seen[name]['x-shadowdiff-mirror']).toBe('shadow')
    }
    const [row] = listDivergences([db], { limit: 10 })
    expect(row).toMatchObject({ id: 'gw-42', url: '/api/items/7?x=1', route: '/api/items/:id', patch: [{ op: 'replace', path: '/price', value: 11 }] })
  })

  it('refuses a malformed X-Original-URI with 400 naming the header, and counts it', async () => {
    let calls = 0
    const upstream = await startUpstream((_req, res) => {
      calls++
      json(res, 200, {})
    })
    const { receiverUrl, app } = await startReceiver({ primary: upstream, candidate: upstream })
    const res = await request(`${receiverUrl}/_shadowdiff`, { headers: { 'x-original-uri': 'http://evil.example/x' } })
    expect(res.statusCode).toBe(400)
    const body = (await res.body.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('SHD_BAD_REQUEST')
    expect(body.error.message).toContain("x-original-uri must be a path and query starting with '/'")
    expect(body.error.message).toContain('http://evil.example/x')
    await app.drain()
    expect(calls).toBe(0)
    expect(app.stats.skippedBy.rejected).toBe(1)
  })
})

import { describe, expect, it } from 'vitest'
import { Readable } from 'node:stream'
import { request } from 'undici'
import type { IncomingMessage } from 'node:http'
import { startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'

function echo() {
  const bodies: string[] = []
  const handler = (req: IncomingMessage, res: import('node:http').ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString())
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ length: Buffer.concat(chunks).length }))
    })
  }
  return { bodies, handler }
}

describe('request bodies are read once and replayed', () => {
  it('replays a POST body to the candidate when POST is mirrored', async () => {
    const p = echo()
    const c = echo()
    const { proxyUrl, app } = await startProxy({
      primary: await startUpstream(p.handler),
      candidate: await startUpstream(c.handler),
      mirror: { methods: ['POST'] },
    })
    const res = await request(proxyUrl + '/orders', { method: 'POST', body: '{"qty":3}', headers: { 'content-type': 'application/json' } })
    expect(await res.body.json()).toEqual({ length: 9 })
    await app.drain()
    expect(p.bodies).toEqual(['{"qty":3}'])
    expect(c.bodies).toEqual(['{"qty":3}'])
    expect(app.stats.compared).toBe(1)
  })

  it('does not mirror POST by default (unsafe methods are opt-in)', async () => {
    const p = echo()
    const c = echo()
    const { proxyUrl, app } = await startProxy({ primary: await startUpstream(p.handler), candidate: await startUpstream(c.handler) })
    await (await request(proxyUrl + '/orders', { method: 'POST', body: 'x' })).body.dump()
    await app.drain()
    expect(p.bodies).toEqual(['x'])
    expect(c.bodies).toEqual([])
    expect(app.stats.notMirrored).toBe(1)
  })

  it('serves a body above the mirror cap from the primary and skips the mirror, counted', async () => {
    const p = echo()
    const c = echo()
    const { proxyUrl, app } = await startProxy({
      primary: await startUpstream(p.handler),
      candidate: await startUpstream(c.handler),
      mirror: { methods: ['PUT'], maxBodyBytes: 1024 },
    })
    const big = 'x'.repeat(5000)
    const res = await request(proxyUrl + '/upload', { method: 'PUT', body: big })
    expect(await res.body.json()).toEqual({ length: 5000 })
    // A chunked body (no Content-Length) takes the same path.
    async function* chunks() {
      for (let i = 0; i < 5; i++) yield Buffer.from('y'.repeat(1000))
    }
    const res2 = await request(proxyUrl + '/upload', { method: 'PUT', body: Readable.from(chunks()) })
    expect(await res2.body.json()).toEqual({ length: 5000 })
    await app.drain()
    expect(p.bodies.map((b) => b.length)).toEqual([5000, 5000])
    expect(c.bodies).toEqual([])
    expect(app.stats.skippedBy.bodyTooLarge).toBe(2)
  })

  it('refuses a body above the hard limit with 413 and a clear JSON body', async () => {
    const p = echo()
    const { proxyUrl } = await startProxy({
      primary: await startUpstream(p.handler),
      candidate: await startUpstream(p.handler),
      proxy: { maxRequestBytes: 2048 },
    })
    const res = await request(proxyUrl + '/upload', { method: 'POST', body: 'z'.repeat(4096) })
    expect(res.statusCode).toBe(413)
    const body = (await res.body.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('SHD_REQUEST_TOO_LARGE')
    expect(body.error.message).toContain('2048')
    expect(p.bodies).toEqual([])
  })
})

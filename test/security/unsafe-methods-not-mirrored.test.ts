import { describe, expect, it } from 'vitest'
import type http from 'node:http'
import { request } from 'undici'
import { startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'

const UNSAFE = ['POST', 'PUT', 'DELETE', 'PATCH'] as const
const SAFE = ['GET', 'HEAD', 'OPTIONS'] as const

function recorder() {
  const methods: string[] = []
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    methods.push(req.method ?? '')
    req.resume()
    req.on('end', () => res.end(req.method === 'HEAD' ? undefined : 'ok'))
  }
  return { methods, handler }
}

async function sendAll(proxyUrl: string, methods: readonly string[]) {
  for (const method of methods) {
    const res = await request(`${proxyUrl}/orders/1`, { method: method as 'GET', body: ['POST', 'PUT', 'PATCH'].includes(method) ? '{"qty":1}' : undefined })
    expect(res.statusCode).toBe(200)
    await res.body.dump()
  }
}

describe('non-idempotent methods are not mirrored unless enabled', () => {
  it('by default: POST, PUT, DELETE and PATCH reach the primary only and are counted as notMirrored; GET, HEAD, OPTIONS are mirrored', async () => {
    const p = recorder()
    const c = recorder()
    const { proxyUrl, app } = await startProxy({ primary: await startUpstream(p.handler), candidate: await startUpstream(c.handler) })
    await sendAll(proxyUrl, [...UNSAFE, ...SAFE])
    await app.drain()
    expect(p.methods).toEqual([...UNSAFE, ...SAFE])
    expect(c.methods).toEqual([...SAFE])
    expect(app.stats.notMirrored).toBe(UNSAFE.length)
    expect(app.stats.compared).toBe(SAFE.length)
    expect(app.stats.served).toBe(UNSAFE.length + SAFE.length)
  })

  it('mirror.methods opts in method by method (case-insensitive)', async () => {
    const p = recorder()
    const c = recorder()
    const { proxyUrl, app } = await startProxy({
      primary: await startUpstream(p.handler),
      candidate: await startUpstream(c.handler),
      mirror: { methods: ['get', 'put'] },
    })
    await sendAll(proxyUrl, [...UNSAFE, 'GET'])
    await app.drain()
    expect(c.methods).toEqual(['PUT', 'GET'])
    expect(app.stats.notMirrored).toBe(3)
    expect(app.stats.compared).toBe(2)
  })
})

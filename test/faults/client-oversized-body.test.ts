import { describe, expect, it } from 'vitest'
import { Readable } from 'node:stream'
import { request } from 'undici'
import type http from 'node:http'
import { startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { expectAccountingCloses, ledger, useLedger } from './fault-kit.js'

useLedger(import.meta.filename)

/** Counts requests and the body bytes each upstream received. */
async function countingUpstream() {
  const seen: { method: string; bytes: number; complete: boolean }[] = []
  const url = await startUpstream((req: http.IncomingMessage, res: http.ServerResponse) => {
    const entry = { method: req.method ?? '', bytes: 0, complete: false }
    seen.push(entry)
    req.on('data', (c: Buffer) => (entry.bytes += c.length))
    req.on('end', () => {
      entry.complete = true
      res.end('ok')
    })
    req.on('error', () => {})
  })
  return { url, seen }
}

async function* chunks(n: number, size: number) {
  for (let i = 0; i < n; i++) yield Buffer.alloc(size, 'z')
}

async function expect413(res: Awaited<ReturnType<typeof request>>, limit: number) {
  expect(res.statusCode).toBe(413)
  expect(res.headers['content-type']).toMatch(/application\/json/)
  const body = (await res.body.json()) as { error: { code: string; message: string } }
  expect(body.error.code).toBe('SHD_REQUEST_TOO_LARGE')
  expect(body.error.message).toContain(`exceeds ${limit} bytes`)
}

describe('request bodies above proxy.maxRequestBytes', () => {
  const LIMIT = 64 * 1024

  it.each(['POST', 'PUT'])('declared by Content-Length (%s): 413 with a JSON body, nothing forwarded, accounting closes', async (method) => {
    ledger.fault()
    const p = await countingUpstream()
    const c = await countingUpstream()
    const { proxyUrl, app } = await startProxy({ primary: p.url, candidate: c.url, proxy: { maxRequestBytes: LIMIT }, mirror: { methods: ['PUT'] } })
    ledger.sent()
    await expect413(await request(proxyUrl + '/upload', { method, body: Buffer.alloc(LIMIT + 1, 'z') }), LIMIT)
    await app.drain()
    expect(p.seen).toEqual([])
    expect(c.seen).toEqual([])
    expectAccountingCloses(app)
  })

  it('chunked, still below the mirror cap when it crosses the limit: 413, nothing forwarded', async () => {
    ledger.fault()
    const p = await countingUpstream()
    const c = await countingUpstream()
    const { proxyUrl, app } = await startProxy({
      primary: p.url,
      candidate: c.url,
      proxy: { maxRequestBytes: LIMIT },
      mirror: { methods: ['PUT'], maxBodyBytes: 4 * LIMIT },
    })
    ledger.sent()
    await expect413(await request(proxyUrl + '/upload', { method: 'PUT', body: Readable.from(chunks(8, LIMIT / 4)) }), LIMIT)
    await app.drain()
    expect(p.seen).toEqual([])
    expect(c.seen).toEqual([])
    expectAccountingCloses(app)
  })

  it('chunked, crossing the limit after streaming to the primary began: the client gets 413 and the primary never gets a complete request', async () => {
    ledger.fault()
    const p = await countingUpstream()
    const c = await countingUpstream()
    const { proxyUrl, app } = await startProxy({
      primary: p.url,
      candidate: c.url,
      proxy: { maxRequestBytes: LIMIT },
      mirror: { methods: ['PUT'], maxBodyBytes: 1024 },
    })
    ledger.sent()
    await expect413(await request(proxyUrl + '/upload', { method: 'PUT', body: Readable.from(chunks(8, LIMIT / 4)) }), LIMIT)
    await app.drain()
    expect(p.seen.every((s) => !s.complete)).toBe(true)
    expect(c.seen).toEqual([])
    expectAccountingCloses(app)
  })
})

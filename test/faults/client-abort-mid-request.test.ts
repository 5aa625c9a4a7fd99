import { describe, expect, it } from 'vitest'
import net from 'node:net'
import type http from 'node:http'
import { startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { expectAccountingCloses, getPrimaryBytes, ledger, primaryHandler, until, useLedger } from './fault-kit.js'

useLedger(import.meta.filename)

/** An upstream that records each request and whether its body arrived whole. */
async function recordingUpstream() {
  const seen: { url: string; complete: boolean; aborted: boolean }[] = []
  const url = await startUpstream((req: http.IncomingMessage, res: http.ServerResponse) => {
    const entry = { url: req.url ?? '', complete: false, aborted: false }
    seen.push(entry)
    req.on('error', () => {})
    req.on('close', () => (entry.aborted = !entry.complete))
    req.resume()
    req.on('end', () => {
      entry.complete = true
      primaryHandler(req, res)
    })
  })
  return { url, seen }
}

/** Sends the headers and `sent` of `declared` body bytes, then drops the connection. */
async function abortWhileSending(proxyUrl: string, method: string, path: string, declared: number, sent: number): Promise<void> {
  const { port } = new URL(proxyUrl)
  const socket = net.connect(Number(port), '127.0.0.1')
  await new Promise((r) => socket.once('connect', r))
  socket.write(`${method} ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${declared}\r\n\r\n`)
  socket.write(Buffer.alloc(sent, 'a'))
  await new Promise((r) => setTimeout(r, 20))
  socket.destroy()
}

async function setup(mirror: Record<string, unknown>) {
  const primary = await recordingUpstream()
  const candidate = await recordingUpstream()
  const started = await startProxy({ primary: primary.url, candidate: candidate.url, mirror })
  return { ...started, primary, candidate }
}

describe('client aborts while sending its request body', () => {
  it('a mirrored method, body below the mirror cap: nothing is forwarded, counted once as rejected, nothing left in flight', async () => {
    ledger.fault()
    const { proxyUrl, app, primary, candidate } = await setup({ methods: ['PUT'] })
    ledger.sent()
    await abortWhileSending(proxyUrl, 'PUT', '/upload', 10_000, 4_000)
    await until(() => app.stats.served === 1, 'the proxy to see the client go')
    await app.drain()
    expect(primary.seen).toEqual([])
    expect(candidate.seen).toEqual([])
    expect(app.stats.skippedBy.rejected).toBe(1)
    expect(app.scheduler.inFlight + app.scheduler.queued).toBe(0)
    expectAccountingCloses(app)
    // The proxy is still healthy.
    await getPrimaryBytes(proxyUrl + '/after')
  })

  it('an unmirrored method (POST): counted once, as not mirrored', async () => {
    ledger.fault()
    const { proxyUrl, app, primary } = await setup({})
    ledger.sent()
    await abortWhileSending(proxyUrl, 'POST', '/orders', 10_000, 4_000)
    await until(() => app.stats.served === 1, 'the proxy to see the client go')
    await app.drain()
    expect(primary.seen).toEqual([])
    expect(app.stats.notMirrored).toBe(1)
    expect(app.stats.skipped).toBe(0)
    expectAccountingCloses(app)
  })

  it('a body above the mirror cap, already streaming to the primary: the primary sees an aborted request, never a complete one', async () => {
    ledger.fault()
    const { proxyUrl, app, primary, candidate } = await setup({ methods: ['PUT'], maxBodyBytes: 1024 })
    ledger.sent()
    await abortWhileSending(proxyUrl, 'PUT', '/upload', 100_000, 20_000)
    await until(() => app.stats.served === 1, 'the proxy to see the client go')
    await until(() => primary.seen.length === 1 && primary.seen[0].aborted, 'the primary to see the request aborted')
    await app.drain()
    expect(primary.seen[0].complete).toBe(false)
    expect(candidate.seen).toEqual([])
    expect(app.stats.skippedBy.bodyTooLarge).toBe(1)
    expectAccountingCloses(app)
    await getPrimaryBytes(proxyUrl + '/after')
  })
})

import { describe, expect, it, onTestFinished } from 'vitest'
import http from 'node:http'
import net from 'node:net'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { request } from 'undici'
import { closeServer, startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import type { App } from '../../src/app.js'
import { expectAccountingCloses, ledger, until, useLedger } from './fault-kit.js'

useLedger(import.meta.filename)

// Issue 18, defect 5: paused bodies never timed out, and a client's close did
// not reach the requests pipelined behind its first one.

const BIG = Buffer.alloc(2 * 1024 * 1024, 0x62)

/** A primary streaming 2 MiB per request; counts requests in flight, started, and open connections. */
async function startPrimary() {
  const counts = { inFlight: 0, started: 0 }
  const server = http.createServer((_req, res) => {
    counts.inFlight++
    counts.started++
    res.once('close', () => counts.inFlight--)
    res.writeHead(200, { 'content-length': BIG.length })
    res.end(BIG)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  onTestFinished(() => closeServer(server))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, counts }
}

/** A raw client that pipelines `n` GETs in one write and never reads. */
async function slowClient(proxyUrl: string, n: number) {
  const socket = net.connect(Number(new URL(proxyUrl).port), '127.0.0.1')
  socket.on('error', () => {})
  onTestFinished(() => void socket.destroy())
  await once(socket, 'connect')
  socket.pause()
  socket.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(n))
  return socket
}

/** Requests on the proxy's primary connections right now (running or waiting for one). */
const primaryBusy = (app: App) => app.pools.primary.stats.running + app.pools.primary.stats.pending

/** Reads what the proxy had sent the client before it cut it; resolves with the byte count once the stream ends. */
function readToEnd(socket: net.Socket): Promise<number> {
  return new Promise((resolve) => {
    let bytes = 0
    socket.on('data', (c: Buffer) => (bytes += c.length))
    socket.once('close', () => resolve(bytes))
    socket.resume()
  })
}

describe('a client that stops reading', () => {
  it('is cut after proxy.writeTimeoutMs without progress; its primary requests are aborted and nothing is left held', async () => {
    ledger.fault()
    ledger.sent(20)
    const primary = await startPrimary()
    const { proxyUrl, app } = await startProxy({ primary: primary.url, candidate: await startUpstream((_q, s) => s.end('x')), proxy: { writeTimeoutMs: 400 } })
    const started = performance.now()
    const socket = await slowClient(proxyUrl, 20)
    await until(() => primaryBusy(app) > 0, 'the slow client to reach the primary')
    expect(primaryBusy(app)).toBeLessThanOrEqual(app.config.proxy.maxInFlightPerClient)
    // It cannot see the cut without reading: watch the proxy.
    await until(() => app.stats.writeTimeouts === 1, 'the proxy to cut the client', 10_000, 5)
    const cutAfter = performance.now() - started
    await until(() => primaryBusy(app) === 0, 'its primary requests to be aborted', 1_000, 5)
    const releasedAfter = performance.now() - started
    console.log(`write timeout: client cut ${cutAfter.toFixed(0)} ms after connecting (writeTimeoutMs 400), primary connections free ${releasedAfter.toFixed(0)} ms; primary started ${primary.counts.started} of 20`)
    // Cut after one to two periods without progress.
    expect(cutAfter).toBeGreaterThanOrEqual(400)
    expect(cutAfter).toBeLessThan(5_000)
    // Its share at most at once, plus the few whole answers the loopback socket buffers absorbed.
    expect(primary.counts.started).toBeLessThan(20)
    // When it reads at last, it gets what was already buffered, then the end: far less than 20 answers.
    expect(await readToEnd(socket)).toBeLessThan(20 * BIG.length)
    // The pool is whole again: a reading client gets a full answer at once.
    const res = await request(proxyUrl + '/big', { headersTimeout: 2_000, bodyTimeout: 2_000 })
    expect((await res.body.arrayBuffer()).byteLength).toBe(BIG.length)
    await until(() => app.stats.served === 21, 'every pipelined request (and the check) to be counted', 2_000)
    await app.drain()
    expectAccountingCloses(app)
  })

  it('closing its connection releases every pipelined request at once, queued ones included', async () => {
    ledger.fault()
    ledger.sent(20)
    const primary = await startPrimary()
    const { proxyUrl, app } = await startProxy({ primary: primary.url, candidate: await startUpstream((_q, s) => s.end('x')), proxy: { writeTimeoutMs: 60_000 } })
    const socket = await slowClient(proxyUrl, 20)
    await until(() => primaryBusy(app) === app.config.proxy.maxInFlightPerClient, 'the slow client to hold its share')
    await new Promise((r) => setTimeout(r, 300))
    const held = primaryBusy(app)
    expect(held).toBe(app.config.proxy.maxInFlightPerClient)
    const startedBefore = primary.counts.started
    const left = performance.now()
    socket.destroy()
    await until(() => primaryBusy(app) === 0, 'every primary request to end', 5_000, 5)
    const releasedMs = performance.now() - left
    console.log(`client close: ${held} primary connections held, all free ${releasedMs.toFixed(0)} ms after the client left`)
    expect(releasedMs).toBeLessThan(1_000)
    // Nothing queued behind was dispatched after the client left.
    expect(primary.counts.started).toBe(startedBefore)
    await until(() => app.stats.served === 20, 'every pipelined request to be counted', 2_000)
    await app.drain()
    expectAccountingCloses(app)
  })
})

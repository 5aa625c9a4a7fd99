import { describe, expect, it } from 'vitest'
import { startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { expectAccountingCloses, getPrimaryBytes, ledger, primaryHandler, rawRequest, useLedger } from './fault-kit.js'

useLedger(import.meta.filename)

describe('slowloris: a client trickles its headers slower than proxy.headersTimeoutMs', () => {
  it('is cut off with 408 soon after the timeout, never forwarded, while other clients are served', async () => {
    ledger.fault()
    let primaryHits = 0
    const primary = await startUpstream((req, res) => {
      primaryHits++
      primaryHandler(req, res)
    })
    const candidate = await startUpstream((_req, res) => res.end('ok'))
    const { proxyUrl, app } = await startProxy({ primary, candidate, proxy: { headersTimeoutMs: 300 } })
    // One header line every 100 ms, never the blank line that ends them.
    const lines = ['GET /slow HTTP/1.1\r\n', 'Host: x\r\n', ...Array.from({ length: 60 }, (_, i) => `X-Drip-${i}: ${i}\r\n`)]
    ledger.sent()
    const started = performance.now()
    const dripping = rawRequest(proxyUrl, lines, { gapMs: 100, timeoutMs: 10_000 })
    // Meanwhile, a normal client is served.
    await getPrimaryBytes(proxyUrl + '/normal')
    const result = await dripping
    const elapsed = performance.now() - started
    expect(result.closed).toBe(true)
    expect(result.data).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/)
    expect(result.data).toContain('"code":"SHD_REQUEST_TIMEOUT"')
    // Cut off within a small multiple of the 300 ms timeout, long before the 6 s drip ends.
    expect(elapsed).toBeLessThan(2_000)
    expect(primaryHits).toBe(1)
    await app.drain()
    expectAccountingCloses(app)
  })
})

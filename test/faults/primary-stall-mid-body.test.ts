import { describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startRawUpstream, startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { expectAccountingCloses, ledger, useLedger } from './fault-kit.js'

useLedger(import.meta.filename)

describe('primary stalls in the middle of its body', () => {
  it('breaks the client connection after proxy.timeoutMs: the client sees a broken response, not a hang', async () => {
    ledger.fault()
    const primary = await startRawUpstream((socket) =>
      socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nthe first ten')),
    )
    const candidate = await startUpstream((_req, res) => res.end('ok'))
    const { proxyUrl, app } = await startProxy({ primary, candidate, proxy: { timeoutMs: 300 } })
    ledger.sent()
    const started = performance.now()
    const res = await request(proxyUrl + '/x', { bodyTimeout: 20_000 })
    // Headers were already on their way: the status is the primary's...
    expect(res.statusCode).toBe(200)
    // ...and the only honest signal left is a broken body, never a short one taken as whole.
    await expect(res.body.text()).rejects.toThrow()
    expect(performance.now() - started).toBeLessThan(5_000)
    await app.drain()
    expect(app.stats.compared).toBe(0)
    expect(app.stats.skippedBy.primaryFailed).toBe(1)
    expectAccountingCloses(app)
  })
})

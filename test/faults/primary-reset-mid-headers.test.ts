import { describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startRawUpstream, startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { expectAccountingCloses, ledger, useLedger } from './fault-kit.js'

useLedger(import.meta.filename)

describe('primary resets the connection in the middle of its headers', () => {
  it('answers 502 SHD_PRIMARY_UNREACHABLE at once (no hang) and compares nothing', async () => {
    ledger.fault()
    const primary = await startRawUpstream((socket) =>
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Ty')
        setImmediate(() => socket.resetAndDestroy())
      }),
    )
    const candidate = await startUpstream((_req, res) => res.end('ok'))
    const { proxyUrl, app } = await startProxy({ primary, candidate, proxy: { timeoutMs: 10_000 } })
    for (let i = 0; i < 3; i++) {
      ledger.sent()
      const started = performance.now()
      const res = await request(`${proxyUrl}/x/${i}`)
      expect(res.statusCode).toBe(502)
      expect(((await res.body.json()) as { error: { code: string } }).error.code).toBe('SHD_PRIMARY_UNREACHABLE')
      // Well below proxy.timeoutMs: the reset is reported, not waited out.
      expect(performance.now() - started).toBeLessThan(5_000)
    }
    await app.drain()
    expect(app.stats.compared).toBe(0)
    expect(app.stats.skippedBy.primaryFailed).toBe(3)
    expectAccountingCloses(app)
  })
})

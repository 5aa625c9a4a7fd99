import { describe, expect, it } from 'vitest'
import { Agent, request } from 'undici'
import { json, startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { buildReport } from '../../src/report/build-report.js'
import { ledger, useLedger } from './fault-kit.js'

useLedger(import.meta.filename)

// test/cli/sigterm-under-load.test.ts checks nothing is lost through the real
// CLI; this checks the stop does not wait out its grace period because
// keep-alive clients go on sending on their open connections.
describe('graceful stop while keep-alive clients keep sending', () => {
  it('tells clients to close, finishes well inside the grace period, cancels no mirror', async () => {
    ledger.fault()
    let candidateHits = 0
    const primary = await startUpstream((_req, res) => json(res, 200, { ok: true }))
    const candidate = await startUpstream((_req, res) => {
      candidateHits++
      setTimeout(() => json(res, 200, { ok: true }), 30)
    })
    const { proxyUrl, app, db } = await startProxy({ primary, candidate })
    const agent = new Agent({ connections: 8, keepAliveTimeout: 30_000 })
    let ok = 0
    let notOk = 0
    let cut = 0
    const worker = async (w: number) => {
      for (let i = 0; i < 5_000; i++) {
        try {
          const res = await request(`${proxyUrl}/ka/${w}-${i}`, { dispatcher: agent })
          await res.body.dump()
          if (res.statusCode === 200) ok++
          else notOk++
        } catch {
          // Refused, or sent on an idle connection as the proxy closed it
          // (the keep-alive race of RFC 9112 §9.6): never reached the proxy;
          // `served === ok` below proves it.
          cut++
          return
        }
      }
    }
    const workers = Array.from({ length: 8 }, (_, w) => worker(w))
    while (ok < 200) await new Promise((r) => setTimeout(r, 5))
    const started = performance.now()
    await app.close({ graceMs: 8_000 })
    const stopMs = performance.now() - started
    await Promise.all(workers)
    await agent.close()
    ledger.sent(ok + notOk)
    ledger.lost(notOk)
    // Not the 8 s grace, nor the 5 s keep-alive timeout of connections that
    // went idle after close(): clients were told to close, idle ones were closed.
    expect(stopMs).toBeLessThan(2_000)
    expect(notOk).toBe(0)
    expect(cut).toBe(8)
    expect(app.stats.droppedBy.shutdown).toBe(0)
    expect(app.stats.candidateErrors).toBe(0)
    const totals = buildReport([db]).totals
    expect(totals.compared).toBe(candidateHits)
    // Every request the proxy took was answered to its client.
    expect(app.stats.served).toBe(ok)
    expect(totals.served).toBe(ok)
  })
})

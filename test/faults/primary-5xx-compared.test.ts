import { describe, expect, it } from 'vitest'
import { request } from 'undici'
import { json, startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { buildReport } from '../../src/report/build-report.js'
import { listDivergences } from '../../src/store/list-divergences.js'
import { expectAccountingCloses, ledger, useLedger } from './fault-kit.js'

useLedger(import.meta.filename)

// test/proxy/upstream-errors.test.ts checks the 5xx reaches the client
// unchanged; this checks what is recorded about it.
describe('primary answers 5xx', () => {
  it('passes it through byte for byte and still compares it: a candidate 200 is a status divergence, counted as primary 5xx', async () => {
    ledger.fault()
    const primary = await startUpstream((_req, res) => {
      res.writeHead(503, { 'retry-after': '7', 'content-type': 'text/plain' })
      res.end('down for maintenance')
    })
    const candidate = await startUpstream((_req, res) => json(res, 200, { ok: true }))
    const { proxyUrl, app, db } = await startProxy({ primary, candidate })
    for (let i = 0; i < 4; i++) {
      ledger.sent()
      const res = await request(`${proxyUrl}/maintenance/${i}`)
      expect(res.statusCode).toBe(503)
      expect(res.headers['retry-after']).toBe('7')
      expect(await res.body.text()).toBe('down for maintenance')
    }
    await app.drain()
    expect(app.stats.compared).toBe(4)
    expectAccountingCloses(app)
    const rows = listDivergences([db])
    expect(rows).toHaveLength(4)
    for (const row of rows) expect(row.divergences[0]).toEqual({ kind: 'status', primary: 503, candidate: 200 })
    const report = buildReport([db])
    expect(report.totals.compared).toBe(4)
    expect(report.totals.primary5xx).toBe(4)
  })
})

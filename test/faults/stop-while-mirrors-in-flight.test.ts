import { describe, expect, it } from 'vitest'
import type http from 'node:http'
import { request } from 'undici'
import { json, startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { listDivergences } from '../../src/store/list-divergences.js'
import { ledger, useLedger } from './fault-kit.js'

useLedger(import.meta.filename)

describe('graceful stop when a slow client uses up the grace period while mirrors are in flight', () => {
  it('does not record the mirrors it cancels as candidate errors', async () => {
    ledger.fault()
    const primary = await startUpstream((req: http.IncomingMessage, res: http.ServerResponse) => {
      if (req.url !== '/download') return json(res, 200, { ok: true })
      // A long download: outlives the grace period.
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      const tick = setInterval(() => res.write(Buffer.alloc(1024)), 20)
      res.on('close', () => clearInterval(tick))
    })
    // The candidate answers, but only after 2 s.
    const candidate = await startUpstream((_req, res) => setTimeout(() => json(res, 200, { ok: true }), 2_000))
    const { proxyUrl, app, db } = await startProxy({ primary, candidate, mirror: { timeoutMs: 10_000 } })
    ledger.sent(4)
    const download = await request(proxyUrl + '/download')
    const reading = download.body.dump().catch(() => 'cut')
    for (let i = 0; i < 3; i++) await (await request(`${proxyUrl}/quick/${i}`)).body.dump()
    expect(app.scheduler.inFlight).toBe(4)
    await app.close({ graceMs: 300 })
    await reading
    const errors = listDivergences([db]).filter((r) => r.kinds.includes('error'))
    expect(errors, JSON.stringify(errors.map((e) => e.divergences))).toEqual([])
    expect(app.stats.candidateErrors).toBe(0)
    // They are accounted for as dropped, so the accounting still closes.
    expect(app.stats.droppedBy.shutdown).toBe(4)
    expect(app.stats.compared + app.stats.dropped + app.stats.skipped + app.stats.notMirrored).toBe(app.stats.served)
  })
})

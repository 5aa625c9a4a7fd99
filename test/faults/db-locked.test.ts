import { describe, expect, it } from 'vitest'
import Sqlite from 'better-sqlite3'
import { request } from 'undici'
import { json, startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { buildReport } from '../../src/report/build-report.js'
import { expectAccountingCloses, getPrimaryBytes, ledger, primaryHandler, useLedger } from './fault-kit.js'

useLedger(import.meta.filename)

describe('the database is locked by another process during a run', () => {
  it('keeps proxying, reports the failing store in /api/status, and writes everything once the lock is released', async () => {
    ledger.fault()
    const primary = await startUpstream(primaryHandler)
    const candidate = await startUpstream((_req, res) => json(res, 200, { from: 'candidate' }))
    // A long flush interval: the test decides when the recorder flushes.
    const { proxyUrl, adminUrl, app, db } = await startProxy({ primary, candidate, store: { flushIntervalMs: 600_000 } })

    const other = new Sqlite(db)
    other.pragma('busy_timeout = 0')
    other.exec('BEGIN EXCLUSIVE')
    try {
      for (let i = 0; i < 20; i++) await getPrimaryBytes(`${proxyUrl}/locked/${i}`)
      await app.drain() // includes a flush, which must fail and keep the batch
      const status = (await (await request(adminUrl + '/api/status')).body.json()) as {
        compared: number
        store: { pending: number; written: number; lost: number; failedFlushes: number; lastError: string | null }
      }
      expect(status.compared).toBe(20)
      expect(status.store.failedFlushes).toBeGreaterThanOrEqual(1)
      expect(status.store.lastError).toMatch(/SQLITE_BUSY/)
      expect(status.store.pending).toBeGreaterThan(0)
      expect(status.store.lost).toBe(0)
    } finally {
      other.exec('ROLLBACK')
      other.close()
    }

    // Released: the next flush writes the held batch and clears the error.
    app.recorder.flush()
    const store = app.recorder.stats()
    expect(store.lastError).toBeNull()
    expect(store.pending).toBe(0)
    expect(store.lost).toBe(0)
    const report = buildReport([db])
    expect(report.totals.served).toBe(20)
    expect(report.totals.compared).toBe(20)
    expect(report.totals.divergent).toBe(20)
    expectAccountingCloses(app)
  })
})

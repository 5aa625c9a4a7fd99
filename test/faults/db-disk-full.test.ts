import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { openSync, rmSync, writeSync, closeSync } from 'node:fs'
import { request } from 'undici'
import { startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import Sqlite from 'better-sqlite3'
import { buildReport } from '../../src/report/build-report.js'
import { listDivergences } from '../../src/store/list-divergences.js'
import { expectAccountingCloses, getPrimaryBytes, ledger, primaryHandler, useLedger } from './fault-kit.js'
import { mountTmpfs, tmpfsUnavailable } from './tmpfs.js'

useLedger(import.meta.filename)

/** Writes a file until the file system is full; returns its path. */
function fillDisk(dir: string): string {
  const file = join(dir, 'filler')
  const fd = openSync(file, 'w')
  const block = Buffer.alloc(4096, 1)
  try {
    for (;;) writeSync(fd, block)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err
  } finally {
    closeSync(fd)
  }
  return file
}

// Needs a real full disk: a 4 MiB tmpfs (root only; skipped elsewhere with the reason).
describe.skipIf(tmpfsUnavailable !== null)(`the disk fills up during a run${tmpfsUnavailable ? ` (skipped: ${tmpfsUnavailable})` : ''}`, () => {
  it('keeps proxying, reports SQLITE_FULL, and writes what it held once space is freed', async () => {
    ledger.fault()
    const dir = mountTmpfs(4096)
    const primary = await startUpstream(primaryHandler)
    // Divergent bodies of ~20 KiB: the stored details need pages the disk no longer has.
    const candidate = await startUpstream((_req, res) => res.end(Buffer.alloc(20_000, 'c')))
    const { proxyUrl, adminUrl, app } = await startProxy({ primary, candidate, db: join(dir, 'full.db'), store: { flushIntervalMs: 600_000 } })
    const db = join(dir, 'full.db')
    app.recorder.flush()
    const filler = fillDisk(dir)

    for (let i = 0; i < 30; i++) await getPrimaryBytes(`${proxyUrl}/full/${i}`)
    await app.drain()
    const status = (await (await request(adminUrl + '/api/status')).body.json()) as {
      compared: number
      store: { pending: number; failedFlushes: number; lastError: string | null; lost: number }
    }
    expect(status.compared).toBe(30)
    expect(status.store.failedFlushes).toBeGreaterThanOrEqual(1)
    expect(status.store.lastError).toMatch(/SQLITE_FULL|disk is full/i)
    expect(status.store.pending).toBeGreaterThan(0)

    rmSync(filler)
    app.recorder.flush()
    expect(app.recorder.stats().lastError).toBeNull()
    expect(app.recorder.stats().lost).toBe(0)
    const report = buildReport([db])
    expect(report.totals.served).toBe(30)
    expect(report.totals.compared).toBe(30)
    expect(report.totals.divergent).toBe(30)
    expect(listDivergences([db], { limit: 100 })).toHaveLength(30)
    const check = new Sqlite(db, { readonly: true })
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok')
    check.close()
    expectAccountingCloses(app)
  })
})

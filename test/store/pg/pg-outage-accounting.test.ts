/**
 * While PostgreSQL is down, the recorder keeps records in memory within its
 * bounds and counts the rest as lost; when the database is back, the next
 * flushes write what was kept. The accounting closes exactly: stored +
 * lost = recorded, and the loss is visible (stats, a log line).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPgEngine } from '../../../src/store/pg/pg-engine.js'
import { Recorder } from '../../../src/store/recorder.js'
import { readReport } from '../../../src/report/read-report.js'
import { startPgCluster, type PgCluster } from '../../helpers/pg-cluster.js'
import { createDatabase, queryDatabase } from '../../helpers/pg-database.js'
import { bodyDivergence, exchange } from '../fixtures.js'

let cluster: PgCluster
beforeAll(async () => {
  cluster = await startPgCluster()
})
afterAll(() => cluster?.stop())

describe('a PostgreSQL outage beyond the pending bounds', () => {
  it('counts what overflowed as lost, writes the rest on reconnect, and stored + lost = recorded', async () => {
    const url = await createDatabase(cluster)
    const logged: { msg?: string; obj: Record<string, unknown> }[] = []
    const logger = { warn: (obj: object, msg?: string) => logged.push({ obj: obj as Record<string, unknown>, msg }), error: (obj: object, msg?: string) => logged.push({ obj: obj as Record<string, unknown>, msg }) }
    const recorder = new Recorder(await openPgEngine(url, { connectTimeoutMs: 1000, retention: { exactWindowHours: 0 } }), {
      flushIntervalMs: 0,
      maxPendingAggregates: 10,
      maxPending: 5,
      maxExamplesPerMinute: 0,
      logger,
    })
    const t0 = Date.UTC(2025, 0, 1, 12, 0, 0)
    let recorded = 0
    let divergent = 0
    const second = (s: number) => {
      for (let i = 0; i < 10; i++) {
        recorder.count(t0 + s * 1000 + i, 'GET', '/r', 'served')
        recorded++
      }
      recorder.recordCompared(exchange({ id: `s${s}`, at: t0 + s * 1000, route: '/r', divergences: [bodyDivergence('/x', s)] }))
      divergent++
    }
    second(0)
    await recorder.flushed()
    expect(recorder.stats()).toMatchObject({ written: 11, lost: 0 })

    await cluster.halt()
    try {
      // 30 seconds of traffic while down: one aggregate entry per second, 10 kept at most.
      for (let s = 1; s <= 30; s++) {
        second(s)
        await recorder.flushed()
      }
      const down = recorder.stats()
      expect(down.failedFlushes).toBeGreaterThan(0)
      expect(down.lastError).not.toBeNull()
      expect(down.lost).toBeGreaterThan(0)
      expect(down.lostDetails).toBeGreaterThan(0)
      expect(logged.some((l) => /records lost/.test(l.msg ?? ''))).toBe(true)
    } finally {
      await cluster.resume()
    }
    await recorder.flushed()
    const after = recorder.stats()
    expect(after.lastError).toBeNull()
    expect(after.pending).toBe(0)
    await recorder.close()

    const report = await readReport([url])
    // Each lost aggregate entry held 10 served counts and 1 compared exchange.
    const lostEntries = after.lost / 11
    expect(Number.isInteger(lostEntries)).toBe(true)
    expect(report.totals.served + lostEntries * 10).toBe(recorded)
    expect(report.totals.compared + lostEntries).toBe(divergent)
    expect(report.totals.served).toBe(recorded - lostEntries * 10)
    // Examples: the ones stored plus the ones the bounded queue dropped are the divergent ones.
    const [{ n }] = await queryDatabase<{ n: string }>(url, 'SELECT count(*)::text AS n FROM exchanges')
    expect(Number(n) + after.lostDetails).toBe(divergent)
  })
})

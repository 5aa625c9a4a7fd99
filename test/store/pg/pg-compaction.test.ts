/**
 * Compaction (src/store/pg/pg-compaction.ts) under a fleet's real
 * concurrency: four instances flush into the same seconds and routes while
 * each compacts in the background and a reader compacts and reads over and
 * over. Every pending row ends up counted exactly once: the readers' totals
 * only grow, never past what was flushed, and after the last flush the
 * shared rows hold every exchange and the pending tables nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readReport } from '../../../src/report/read-report.js'
import { openPgEngine } from '../../../src/store/pg/pg-engine.js'
import { Recorder } from '../../../src/store/recorder.js'
import { startPgCluster, type PgCluster } from '../../helpers/pg-cluster.js'
import { createDatabase, queryDatabase } from '../../helpers/pg-database.js'
import { bodyDivergence, exchange } from '../fixtures.js'

let cluster: PgCluster
beforeAll(async () => {
  cluster = await startPgCluster()
})
afterAll(() => cluster?.stop())

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0)
const ROUTES = ['/api/orders/:id', '/api/users/:id', '/api/search']

function feed(recorder: Recorder, w: number, round: number, n: number): void {
  for (let i = 0; i < n; i++) {
    // Every writer on the same 90 seconds and the same routes: the rows all of them add into.
    const at = T0 + ((round * n + i) % 90) * 1000 + w
    const route = ROUTES[i % ROUTES.length]
    recorder.count(at, 'GET', route, 'served')
    recorder.count(at, 'GET', route, 'mirrored')
    recorder.recordCompared(
      exchange({ id: `w${w}-r${round}-${i}`, at, route, url: route.replace(':id', String(i)), divergences: i % 5 === 0 ? [bodyDivergence('/total', i)] : [], primaryLatencyMs: 1 + (i % 30), candidateLatencyMs: 2 + (i % 50) }),
    )
  }
}

describe('compaction of the pending rows', () => {
  it('counts every flushed exchange exactly once while four instances flush and compact and a reader compacts and reads meanwhile', async () => {
    const url = await createDatabase(cluster)
    const writers = await Promise.all([0, 1, 2, 3].map(async () => new Recorder(await openPgEngine(url, { retention: { exactWindowHours: 0 } }), { flushIntervalMs: 0, maxExamplesPerMinute: 0 })))
    const rounds = 10
    const perRound = 150
    let flushed = 0
    const seen: number[] = []
    const read = async () => {
      const before = flushed
      const report = await readReport([url], { since: T0, until: T0 + 90_000 })
      // Everything flushed before the read began is in it; nothing that was never flushed.
      expect(report.totals.served).toBeGreaterThanOrEqual(before)
      expect(report.totals.served).toBeLessThanOrEqual(writers.length * rounds * perRound)
      seen.push(report.totals.served)
    }
    for (let round = 0; round < rounds; round++) {
      writers.forEach((r, w) => feed(r, w, round, perRound))
      // A reader compacting and reading while the four flush (and compact in the background).
      await Promise.all([...writers.map((r) => r.flushed()), read()])
      flushed += writers.length * perRound
    }
    await Promise.all(writers.map((r) => r.close()))

    const total = writers.length * rounds * perRound
    expect(seen.length).toBe(rounds)
    expect([...seen].sort((a, b) => a - b)).toEqual(seen)
    const [sums] = await queryDatabase<{ minute: string; second: string; divergent: string; hist: string }>(
      url,
      `SELECT (SELECT sum(served) FROM counters)::text AS minute, (SELECT sum(served) FROM second_counters)::text AS second,
              (SELECT sum(divergent) FROM counters)::text AS divergent,
              (SELECT sum(buckets[2 * k]) FROM second_latency, generate_series(1, cardinality(buckets) / 2) AS k WHERE side = 'primary')::text AS hist`,
    )
    expect(sums).toEqual({ minute: String(total), second: String(total), divergent: String(writers.length * rounds * (perRound / 5)), hist: String(total) })
    const [pending] = await queryDatabase<{ n: string }>(
      url,
      'SELECT ((SELECT count(*) FROM pending_counters) + (SELECT count(*) FROM pending_latency) + (SELECT count(*) FROM pending_fields))::text AS n',
    )
    expect(pending.n).toBe('0')
    const [fields] = await queryDatabase<{ n: string }>(url, "SELECT sum(count)::text AS n FROM fields WHERE field = '/total'")
    expect(fields.n).toBe(String(writers.length * rounds * (perRound / 5)))
  })
})

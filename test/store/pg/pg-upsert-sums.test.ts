/**
 * Several instances add into the same (minute, method, route) rows of one
 * PostgreSQL database: the stored sums are exact (no lost updates), and the
 * report over it equals the report of one SQLite file that recorded every
 * exchange (the same store contract for both engines).
 */
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildReport } from '../../../src/report/build-report.js'
import { readReport } from '../../../src/report/read-report.js'
import { openDatabase } from '../../../src/store/open-database.js'
import { openPgEngine } from '../../../src/store/pg/pg-engine.js'
import { Recorder } from '../../../src/store/recorder.js'
import { startPgCluster, type PgCluster } from '../../helpers/pg-cluster.js'
import { createDatabase, queryDatabase } from '../../helpers/pg-database.js'
import { bodyDivergence, exchange, tempDir } from '../fixtures.js'

let cluster: PgCluster
beforeAll(async () => {
  cluster = await startPgCluster()
})
afterAll(() => cluster?.stop())

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0)

/** Writer `w`'s share of the traffic: every writer hits the same seconds and routes. */
function feed(recorder: Recorder, w: number, round: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const at = T0 + ((round * n + i) % 150) * 1000 + w
    const route = i % 3 === 0 ? '/api/orders/:id' : '/api/users/:id'
    recorder.count(at, 'GET', route, 'served')
    recorder.count(at, 'GET', route, 'mirrored')
    recorder.recordCompared(
      exchange({
        id: `w${w}-r${round}-${i}`,
        at,
        route,
        url: route.replace(':id', String(i)),
        divergences: i % 7 === 0 ? [bodyDivergence(`/items/${i % 2}/price`, i)] : [],
        primaryLatencyMs: 1 + (i % 40),
        candidateLatencyMs: 2 + ((i * 7) % 90),
      }),
    )
  }
}

describe('PostgreSQL upserts from many writers', () => {
  it('three writers flushing concurrently into the same minute rows: exact sums, and the report equals one SQLite file of the same exchanges', async () => {
    const url = await createDatabase(cluster)
    const writers = await Promise.all([0, 1, 2].map(async () => new Recorder(await openPgEngine(url, { retention: { exactWindowHours: 0 } }), { flushIntervalMs: 0, maxExamplesPerMinute: 0 })))
    const file = path.join(tempDir(), 'one.db')
    const sqlite = new Recorder(openDatabase(file), { flushIntervalMs: 0, maxExamplesPerMinute: 0, retention: { exactWindowHours: 0 } })
    const rounds = 8
    const perRound = 120
    for (let round = 0; round < rounds; round++) {
      writers.forEach((r, w) => feed(r, w, round, perRound))
      writers.forEach((_, w) => feed(sqlite, w, round, perRound))
      // All three flush at the same moment, into the same rows.
      await Promise.all(writers.map((r) => r.flushed()))
    }
    await Promise.all(writers.map((r) => r.close()))
    await sqlite.close()
    for (const r of writers) expect(r.stats()).toMatchObject({ lost: 0, failedFlushes: 0, pending: 0 })

    const total = 3 * rounds * perRound
    const [sums] = await queryDatabase<{ served: string; compared: string; divergent: string }>(
      url,
      'SELECT sum(served)::text AS served, sum(compared)::text AS compared, sum(divergent)::text AS divergent FROM counters',
    )
    expect(sums).toEqual({ served: String(total), compared: String(total), divergent: String(3 * rounds * Math.ceil(perRound / 7)) })
    const [seconds] = await queryDatabase<{ served: string }>(url, 'SELECT sum(served)::text AS served FROM second_counters')
    expect(seconds.served).toBe(String(total))
    // Histograms are (bucket, count) pairs: the counts are the even elements.
    const [hist] = await queryDatabase<{ n: string }>(
      url,
      "SELECT sum(buckets[2 * k])::text AS n FROM latency, generate_series(1, cardinality(buckets) / 2) AS k WHERE side = 'candidate'",
    )
    expect(hist.n).toBe(String(total))

    const strip = <T extends { sources: string[]; generatedAt: string }>(r: T) => ({ ...r, sources: [], generatedAt: '' })
    const fromPg = await readReport([url], { since: T0 + 5_500, until: T0 + 140_500 })
    const fromSqlite = buildReport([file], { since: T0 + 5_500, until: T0 + 140_500 })
    expect(fromPg.sources).toEqual([url])
    expect(strip(fromPg)).toEqual(strip(fromSqlite))
    expect(fromPg.window.exact).toBe(true)
    expect(strip(await readReport([url]))).toEqual(strip(buildReport([file])))
    // Every shape of window the snapshot must cover: aligned, one edge aligned, inside one minute, one side open.
    const windows: [number | undefined, number | undefined][] = [
      [T0 + 60_000, T0 + 120_000], [T0 + 60_000, T0 + 75_000], [T0 + 61_000, T0 + 65_400], [T0 + 30_200, T0 + 120_000],
      [T0 + 119_999, T0 + 120_001], [T0 + 45_000, undefined], [undefined, T0 + 90_500],
    ]
    for (const [since, until] of windows) {
      const pgReport = await readReport([url], { since, until })
      expect(strip(pgReport), `${since} – ${until}`).toEqual(strip(buildReport([file], { since, until })))
      expect(pgReport.totals.compared, `${since} – ${until}`).toBeGreaterThan(0)
    }
  })

  it('shd_add_buckets adds (bucket, count) pairs: shared buckets summed, the others kept, in bucket order', async () => {
    const url = await createDatabase(cluster)
    await (await openPgEngine(url)).close()
    const add = async (a: string, b: string) =>
      (await queryDatabase<{ v: string[] }>(url, 'SELECT shd_add_buckets($1::bigint[], $2::bigint[])::text[] AS v', [a, b]))[0].v.map(Number)
    expect(await add('{3,1,70,2}', '{70,5,900,1}')).toEqual([3, 1, 70, 7, 900, 1])
    expect(await add('{}', '{5,2}')).toEqual([5, 2])
    expect(await add('{5,2}', '{}')).toEqual([5, 2])
    expect(await add('{}', '{}')).toEqual([])
  })
})

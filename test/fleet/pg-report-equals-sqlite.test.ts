/**
 * Same traffic, two engines: one `serve` on SQLite and one on PostgreSQL
 * receive the same exchanges; their live reports (/api/report) are equal
 * field by field, and so are their gate verdicts (/api/gate), apart from
 * what the clock decides (fleet-traffic.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { request } from 'undici'
import { startUpstream } from '../helpers/upstream.js'
import { startProxy, tempDir } from '../helpers/proxy.js'
import { startPgApp } from '../helpers/pg-app.js'
import { startPgCluster, type PgCluster } from '../helpers/pg-cluster.js'
import { createDatabase } from '../helpers/pg-database.js'
import type { Report } from '../../src/report/report-types.js'
import { comparable, comparableVerdict, nth, service } from './fleet-traffic.js'

let cluster: PgCluster
beforeAll(async () => {
  cluster = await startPgCluster()
})
afterAll(() => cluster?.stop())

// Every exchange mirrored on every instance, whatever the machine's load: the adaptive limit
// (which sheds load as a fair sample) would make the counts depend on timing.
const FIXED = { concurrency: 'fixed', maxInFlight: 256 }

const STREAM = 120

async function getJson<T>(url: string): Promise<T> {
  const res = await request(url)
  expect(res.statusCode).toBe(200)
  return (await res.body.json()) as T
}

describe('the same traffic into SQLite and into PostgreSQL', () => {
  it('gives equal reports and equal gate verdicts', async () => {
    const primary = await startUpstream(service(1))
    const candidate = await startUpstream(service(2))
    const url = await createDatabase(cluster)
    const lite = await startProxy({ primary, candidate, db: join(tempDir(), 'one.db'), mirror: FIXED })
    const pg = await startPgApp({ primary, candidate, db: url, mirror: FIXED })
    for (let i = 0; i < STREAM; i++) {
      const { method, path, id } = nth(i)
      const send = async (base: string) => {
        const res = await request(base + path, { method, headers: { 'x-request-id': id }, body: method === 'POST' ? '{"lines":[1]}' : undefined })
        await res.body.dump()
        return res.statusCode
      }
      const [a, b] = await Promise.all([send(lite.proxyUrl), send(pg.proxyUrl)])
      expect(a).toBe(method === 'POST' ? 201 : 200)
      expect(b).toBe(a)
    }
    await Promise.all([lite.app.drain(), pg.app.drain()])

    const q = '?minSamples=10&examplesPerEndpoint=100'
    const [fromLite, fromPg] = await Promise.all([getJson<Report>(`${lite.adminUrl}/api/report${q}`), getJson<Report>(`${pg.adminUrl}/api/report${q}`)])
    expect(fromPg.sources).toEqual([url])
    expect(fromPg.totals.compared).toBe(Array.from({ length: STREAM }, (_, i) => nth(i)).filter((r) => r.method === 'GET').length)
    expect(comparable(fromPg)).toEqual(comparable(fromLite))

    type Gate = { data: { latencyRatio: number | null; window: unknown; samples: number } }
    const [gateLite, gatePg] = await Promise.all([getJson<Gate>(`${lite.adminUrl}/api/gate${q}`), getJson<Gate>(`${pg.adminUrl}/api/gate${q}`)])
    expect(gatePg.data.samples).toBe(fromPg.totals.compared)
    expect(comparableVerdict(gatePg.data)).toEqual(comparableVerdict(gateLite.data))
  })
})

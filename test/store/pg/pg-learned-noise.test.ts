/**
 * Learned noise in a shared database: each instance hands over its TOTALS
 * (what it loaded plus what it learned), the engine writes the increments,
 * and the stored rows are the fleet's sums: two instances never overwrite
 * each other's evidence, and a later instance starts from the fleet's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPgEngine } from '../../../src/store/pg/pg-engine.js'
import type { LearnedFieldRow, LearnedNoiseBatch, LearnedRouteRow } from '../../../src/store/learned-noise.js'
import { startPgCluster, type PgCluster } from '../../helpers/pg-cluster.js'
import { createDatabase } from '../../helpers/pg-database.js'

let cluster: PgCluster
beforeAll(async () => {
  cluster = await startPgCluster()
})
afterAll(() => cluster?.stop())

const route = (exchanges: number, first_at = 1000, last_at = 2000): LearnedRouteRow => ({ method: 'GET', route: '/u/:id', exchanges, first_at, last_at })
const field = (observed: number, formats: string[], max_magnitude = 0.1, first_at = 1000, last_at = 2000): LearnedFieldRow => ({
  method: 'GET', route: '/u/:id', field: '/score', op: 'replace', kind: 'numeric', observed, numeric: observed, max_magnitude,
  format_preserving: observed, formats: JSON.stringify(formats), first_at, last_at,
})
const batch = (r: LearnedRouteRow, f: LearnedFieldRow): LearnedNoiseBatch => ({ routes: [r], fields: [f] })

describe('learned noise on PostgreSQL', () => {
  it('adds the increments of every instance', async () => {
    const url = await createDatabase(cluster)
    const a = await openPgEngine(url)
    const b = await openPgEngine(url)
    expect(a.readLearned()).toEqual({ routes: [], fields: [] })
    // A learns 10, then 25 in total; B (started empty too) learns 7.
    await a.writeLearned(batch(route(10), field(4, ['int'])))
    await b.writeLearned(batch(route(7, 500, 1500), field(3, ['float'], 0.3, 500, 1500)))
    await a.writeLearned(batch(route(25, 1000, 3000), field(9, ['int'], 0.2, 1000, 3000)))
    await Promise.all([a.close(), b.close()])

    const c = await openPgEngine(url)
    const loaded = c.readLearned()
    await c.close()
    expect(loaded.routes).toEqual([route(32, 500, 3000)])
    expect(loaded.fields).toEqual([{ ...field(12, ['float', 'int'], 0.3, 500, 3000) }])
  })

  it('keeps the formats seen as a union, capped at 16 and then marked *, as the noise profile does', async () => {
    const url = await createDatabase(cluster)
    const a = await openPgEngine(url)
    const b = await openPgEngine(url)
    const fa = Array.from({ length: 10 }, (_, i) => `a${String(i).padStart(2, '0')}`)
    const fb = Array.from({ length: 10 }, (_, i) => `b${String(i).padStart(2, '0')}`)
    await a.writeLearned(batch(route(1), field(1, fa)))
    await b.writeLearned(batch(route(1), field(1, fb)))
    await Promise.all([a.close(), b.close()])
    const c = await openPgEngine(url)
    const formats = JSON.parse(c.readLearned().fields[0].formats) as string[]
    await c.close()
    expect(formats).toEqual([...fa, ...fb].sort().slice(0, 16).concat('*'))
  })
})

/**
 * Five instances starting at once on a fresh database: every one migrates
 * without error (the advisory lock serialises them), and the database ends
 * with one schema at the current version.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectPostgres } from '../../../src/store/pg/pg-connection.js'
import { migratePg, PG_SCHEMA_VERSION, PG_VERSION_KEY } from '../../../src/store/pg/pg-schema.js'
import { startPgCluster, type PgCluster } from '../../helpers/pg-cluster.js'
import { createDatabase, queryDatabase } from '../../helpers/pg-database.js'

let cluster: PgCluster
beforeAll(async () => {
  cluster = await startPgCluster()
})
afterAll(() => cluster?.stop())

describe('PostgreSQL migrations', () => {
  it('five concurrent migrations of a fresh database all succeed and leave one schema', async () => {
    const url = await createDatabase(cluster)
    const pools = await Promise.all(Array.from({ length: 5 }, () => connectPostgres(url, { max: 1 })))
    try {
      const found = await Promise.all(pools.map((p) => migratePg(p, url)))
      // Exactly one saw an empty database; the others found it current.
      expect(found.filter((v) => v === 0)).toHaveLength(1)
      expect(found.filter((v) => v === PG_SCHEMA_VERSION)).toHaveLength(4)
    } finally {
      await Promise.all(pools.map((p) => p.end()))
    }
    const version = await queryDatabase(url, 'SELECT value FROM meta WHERE key = $1', [PG_VERSION_KEY])
    expect(version).toEqual([{ value: String(PG_SCHEMA_VERSION) }])
    const tables = await queryDatabase<{ n: string }>(url, "SELECT count(*)::text AS n FROM pg_tables WHERE schemaname = 'public' AND tablename = 'counters'")
    expect(tables[0].n).toBe('1')
  })

  it('a second start migrates nothing', async () => {
    const url = await createDatabase(cluster)
    const pool = await connectPostgres(url, { max: 1 })
    try {
      expect(await migratePg(pool, url)).toBe(0)
      expect(await migratePg(pool, url)).toBe(PG_SCHEMA_VERSION)
    } finally {
      await pool.end()
    }
  })
})

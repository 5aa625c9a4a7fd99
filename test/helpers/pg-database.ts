/**
 * A fresh database on a test cluster (test/helpers/pg-cluster.ts) per test,
 * so tests in one file never see each other's rows.
 */
import pg from 'pg'
import type { PgCluster } from './pg-cluster.js'

let n = 0

/** Creates a new, empty database and returns its URL. */
export async function createDatabase(cluster: PgCluster, prefix = 'shd'): Promise<string> {
  const name = `${prefix}_${process.pid}_${++n}_${Date.now() % 100000}`
  const client = new pg.Client({ connectionString: cluster.url })
  await client.connect()
  try {
    await client.query(`CREATE DATABASE ${name}`)
  } finally {
    await client.end()
  }
  const url = new URL(cluster.url)
  url.pathname = `/${name}`
  return url.toString()
}

/** Runs one query on `url` in a short-lived connection. */
export async function queryDatabase<T extends pg.QueryResultRow = pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query<T>(sql, params)).rows
  } finally {
    await client.end()
  }
}

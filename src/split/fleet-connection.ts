/**
 * The fleet's connection to its shared database for the control plane: a
 * small pool of its own (its short timeouts are for operators waiting on a
 * change), the control tables migrated, and the state as it is now.
 */
import { hostname } from 'node:os'
import { randomBytes } from 'node:crypto'
import { DatabaseUnavailable } from '../errors.js'
import { describeDatabase } from '../store/database-url.js'
import { connectPostgres, explainPgError, type PgPool } from '../store/pg/pg-connection.js'
import type { TrafficState } from './audit-event.js'
import { migrateControl } from './fleet-schema.js'
import { FleetStore, type SharedRow } from './fleet-store.js'

/** A checked connection to the shared database with the control tables migrated. */
export interface FleetConnection {
  url: string
  pool: PgPool
  store: FleetStore
  row: SharedRow
}

/**
 * Connects to the shared database, migrates the control tables and reads
 * the state. Throws DatabaseUnavailable (exit 2 at start) when it cannot.
 *
 * @example
 *   const fleet = await connectFleet('postgres://shadowdiff@db/shadowdiff', { mode: 'shadow', weight: 0, reverseShadow: true })
 *   const app = buildApp(config, { fleet })
 */
export async function connectFleet(url: string, initial: TrafficState): Promise<FleetConnection> {
  // Short timeouts: an operator waiting on a change must hear "unreachable" in seconds, not after 30.
  const pool = await connectPostgres(url, { max: 3, connectTimeoutMs: 2000, statementTimeoutMs: 5000, applicationName: 'shadowdiff-control' })
  const instance = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`
  try {
    await migrateControl(pool, initial, instance)
    const store = new FleetStore(pool, instance)
    const row = await store.read()
    if (row === undefined) throw new Error('split_control has no state row after migrating')
    return { url, pool, store, row }
  } catch (err) {
    await pool.end().catch(() => {})
    throw new DatabaseUnavailable(describeDatabase(url), `cannot set up the control tables: ${explainPgError(err)}`, { cause: err })
  }
}


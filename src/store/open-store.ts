/**
 * Opens the store `config.db` names: a PostgreSQL URL opens the shared
 * fleet store (connect, check, migrate: async, before the app is built), any
 * other value the embedded SQLite file. What `serve`, `compare` and
 * `replay` call before building their pipeline, so a wrong URL, a refused
 * login or a missing database is exit 2 at start, not a failing flush later.
 */
import type { Config } from '../config.js'
import { isPostgresUrl } from './database-url.js'
import { openDatabase } from './open-database.js'
import { openPgEngine } from './pg/pg-engine.js'
import { resolveRetention } from './retention.js'
import type { RetentionOptions } from './retention.js'
import { SqliteEngine } from './sqlite-engine.js'
import type { StoreEngine } from './store-engine.js'

/** The retention settings of a config (both engines apply the same rules). */
export function retentionOf(config: Config): RetentionOptions {
  return { retainDays: config.store.retainDays, maxDbMb: config.store.maxDbMb, exactWindowHours: config.store.exactWindowHours }
}

/**
 * @example
 *   const store = await openStore(config)
 *   const app = buildApp(config, { store })
 */
export async function openStore(config: Config): Promise<StoreEngine> {
  if (isPostgresUrl(config.db)) return openPgEngine(config.db, { retention: retentionOf(config), applicationName: 'shadowdiff' })
  return new SqliteEngine(openDatabase(config.db), resolveRetention(retentionOf(config)))
}

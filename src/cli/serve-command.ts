/**
 * `shadowdiff serve`: the main job. Listens until SIGTERM/SIGINT, then stops
 * gracefully: no new connections, in-flight client requests finish, in-flight
 * mirrors settle (bounded), the store flushes, exit 0.
 */
import { buildApp } from '../app.js'
import { openStore } from '../store/open-store.js'
import { connectFleet } from '../split/fleet-connection.js'
import { isPostgresUrl } from '../store/database-url.js'
import { runUntilSignal } from './run-until-signal.js'
import { parseCommandFlags } from './parse-flags.js'
import { SERVE_COMMAND, configFromFlags } from './serve-options.js'

export async function serveCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandFlags(argv, SERVE_COMMAND)
  if (parsed === undefined) return 0
  const { values } = parsed
  const config = configFromFlags(values)
  // Opened first: a PostgreSQL URL that is wrong, refused or missing is exit 2 before anything listens.
  const store = await openStore(config)
  // On PostgreSQL the split state is the fleet's too: connect to its control tables before building.
  const fleet = isPostgresUrl(config.db) ? await connectFleet(config.db, { mode: 'shadow', weight: 0, reverseShadow: config.split.reverseShadow }) : undefined
  const app = buildApp(config, { store, fleet })
  return runUntilSignal(app)
}

/**
 * `shadowdiff serve`: the main job. Listens until SIGTERM/SIGINT, then stops
 * gracefully: no new connections, in-flight client requests finish, in-flight
 * mirrors settle (bounded), the store flushes, exit 0.
 */
import { buildApp } from '../app.js'
import { connectFleet } from '../split/fleet-control.js'
import { isPostgresUrl } from '../store/database-url.js'
import { runUntilSignal } from './run-until-signal.js'
import { parseCommandFlags } from './parse-flags.js'
import { SERVE_COMMAND, configFromFlags } from './serve-options.js'

export async function serveCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandFlags(argv, SERVE_COMMAND)
  if (parsed === undefined) return 0
  const { values } = parsed
  const config = configFromFlags(values)
  // On PostgreSQL the split state is the fleet's: connect to it (exit 2 if it cannot) before building.
  const fleet = isPostgresUrl(config.db) ? await connectFleet(config.db, { mode: 'shadow', weight: 0, reverseShadow: config.split.reverseShadow }) : undefined
  const app = buildApp(config, { fleet })
  return runUntilSignal(app)
}

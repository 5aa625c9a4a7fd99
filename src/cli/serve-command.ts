/**
 * `shadowdiff serve`: the main job. Listens until SIGTERM/SIGINT, then stops
 * gracefully: no new connections, in-flight client requests finish, in-flight
 * mirrors settle (bounded), the store flushes, exit 0.
 */
import { buildApp } from '../app.js'
import { openStore } from '../store/open-store.js'
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
  const app = buildApp(config, { store })
  return runUntilSignal(app)
}

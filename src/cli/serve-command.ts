/**
 * `shadowdiff serve`: the main job. Listens until SIGTERM/SIGINT, then stops
 * gracefully: no new connections, in-flight client requests finish, in-flight
 * mirrors settle (bounded), the store flushes, exit 0.
 */
import { buildApp } from '../app.js'
import { runUntilSignal } from './run-until-signal.js'
import { parseCommandFlags } from './parse-flags.js'
import { SERVE_COMMAND, configFromFlags } from './serve-options.js'

export async function serveCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandFlags(argv, SERVE_COMMAND)
  if (parsed === undefined) return 0
  const { values } = parsed
  const config = configFromFlags(values)
  const app = buildApp(config)
  return runUntilSignal(app)
}

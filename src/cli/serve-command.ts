/**
 * `shadowdiff serve`: the main job. Listens until SIGTERM/SIGINT, then stops
 * gracefully: no new connections, in-flight client requests finish, in-flight
 * mirrors settle (bounded), the store flushes, exit 0.
 */
import { buildApp } from '../app.js'
import { parseFlags } from './parse-flags.js'
import { SERVE_FLAGS, SERVE_USAGE, configFromFlags } from './serve-options.js'

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, SERVE_FLAGS)
  if (values.help) {
    console.log(SERVE_USAGE)
    return 0
  }
  const config = configFromFlags(values)
  const app = buildApp(config)
  await app.listen()
  return new Promise<number>((resolve) => {
    let stopping = false
    const stop = (signal: string) => {
      if (stopping) return
      stopping = true
      app.logger.info({ signal }, 'stopping: finishing in-flight requests and mirrors')
      app.close().then(
        () => resolve(0),
        (err) => {
          app.logger.error({ err }, 'stop failed')
          resolve(1)
        },
      )
    }
    process.once('SIGTERM', () => stop('SIGTERM'))
    process.once('SIGINT', () => stop('SIGINT'))
    process.on('SIGHUP', () => app.rules.reload('SIGHUP'))
  })
}

/**
 * The lifecycle shared by `serve` and `compare`: run until SIGTERM/SIGINT,
 * then close gracefully (in-flight requests finish, mirrors settle, the store
 * flushes); SIGHUP reloads the rules. Resolves to the exit code.
 */
import type { App } from '../app.js'

export function runUntilSignal(app: App): Promise<number> {
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

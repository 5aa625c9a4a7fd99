/**
 * The lifecycle shared by `serve` and `compare`: listen, run until
 * SIGTERM/SIGINT, then close gracefully (in-flight requests finish, mirrors
 * settle, the store flushes); SIGHUP reloads the rules. Resolves to the exit
 * code.
 *
 * The handlers are installed before listening: "shadowdiff listening" tells a
 * supervisor it may send signals, and a SIGHUP that arrived before its handler
 * would kill the process (the default action) instead of reloading.
 */
import type { App } from '../app.js'

export async function runUntilSignal(app: App): Promise<number> {
  let stop: (signal: string) => void = () => {}
  const stopped = new Promise<number>((resolve) => {
    let stopping = false
    stop = (signal: string) => {
      if (stopping) return
      stopping = true
      app.logger.info({ signal }, 'stopping: finishing in-flight requests and mirrors')
      // A signal during startup waits for listen to settle, so close() sees a whole app.
      listening.then(
        () => app.close(),
        () => app.close(),
      ).then(
        () => resolve(0),
        (err) => {
          app.logger.error({ err }, 'stop failed')
          resolve(1)
        },
      )
    }
  })
  const onTerm = () => stop('SIGTERM')
  const onInt = () => stop('SIGINT')
  const onHup = () => app.rules.reload('SIGHUP')
  process.once('SIGTERM', onTerm)
  process.once('SIGINT', onInt)
  process.on('SIGHUP', onHup)
  const listening = app.listen()
  try {
    await listening
  } catch (err) {
    process.off('SIGTERM', onTerm)
    process.off('SIGINT', onInt)
    process.off('SIGHUP', onHup)
    // The proxy may be listening already (the admin port was the one taken):
    // release it and the database, or the process would never exit.
    await app.close({ graceMs: 0 }).catch(() => {})
    throw err
  }
  return stopped
}

/**
 * The lifecycle shared by `serve` and `compare`: listen, run until
 * SIGTERM/SIGINT, then close gracefully (in-flight requests finish, mirrors
 * settle, the store flushes); SIGHUP reloads the rules. Resolves to the exit
 * code.
 *
 * The handlers are installed before listening: "shadowdiff listening" tells a
 * supervisor it may send signals, and a SIGHUP that arrived before its handler
 * would kill the process (the default action) instead of reloading.
 *
 * What is announced depends on the log format: in json, the records
 * `shadowdiff listening` (where, and what runs) and `shadowdiff stopped` (the
 * counts); in pretty, a banner, progress lines and a tally instead
 * (src/cli/console-reporter.ts). A start that fails (a port is taken)
 * announces neither: the error is the only thing to say. When the terminal
 * serve runs on is closed, it stops gracefully (nothing recorded is lost).
 */
import { isatty } from 'node:tty'
import type { App } from '../app.js'
import { resolveLogFormat } from '../logger.js'
import { ConsoleReporter } from './console-reporter.js'

export async function runUntilSignal(app: App, opts: { receiver?: boolean } = {}): Promise<number> {
  const human = resolveLogFormat(app.config.logFormat) === 'pretty' ? new ConsoleReporter(app, { receiver: opts.receiver }) : undefined
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
        () => {
          if (human) human.stop()
          else app.logger.info(app.stats.toJSON(), 'shadowdiff stopped')
          resolve(0)
        },
        (err) => {
          app.logger.error({ err }, 'stop failed')
          resolve(1)
        },
      )
    }
  })
  const onTerm = () => stop('SIGTERM')
  const onInt = () => stop('SIGINT')
  // Closing the terminal window also sends SIGHUP. Reloading then would leave
  // a headless proxy holding its ports, its logs failing with EIO (pino
  // retrying them forever): stop instead, quietly, as a foreground program
  // does. With no terminal from the start (a daemon, nohup, a container),
  // SIGHUP reloads the rules.
  const attached = isatty(2)
  const terminalGone = () => {
    app.logger.level = 'silent'
    human?.mute()
    stop('SIGHUP')
  }
  const onHup = () => (attached && !isatty(2) ? terminalGone() : app.rules.reload('SIGHUP'))
  if (attached && human) process.stderr.on('error', terminalGone)
  process.once('SIGTERM', onTerm)
  process.once('SIGINT', onInt)
  process.on('SIGHUP', onHup)
  const listening = app.listen()
  let urls: Awaited<typeof listening>
  try {
    urls = await listening
  } catch (err) {
    process.off('SIGTERM', onTerm)
    process.off('SIGINT', onInt)
    process.off('SIGHUP', onHup)
    // The proxy may be listening already (the admin port was the one taken):
    // release it and the database, or the process would never exit.
    await app.close({ graceMs: 0 }).catch(() => {})
    throw err
  }
  if (human) human.start(urls)
  else {
    const { config } = app
    const rules = app.rules.status()
    app.logger.info(
      { proxy: urls.proxyUrl, admin: urls.adminUrl, primary: config.primary, candidate: config.candidate, secondary: config.secondary, db: config.db, capture: config.capture.file, rules: rules.source, ruleCount: rules.rules, mode: opts.receiver ? 'receiver' : app.traffic.state.mode },
      'shadowdiff listening',
    )
  }
  return stopped
}

/**
 * Starts a real shadowdiff app on loopback whose store is a PostgreSQL
 * database (opened the way `serve` opens it: openStore, then buildApp),
 * closed when the test finishes.
 */
import { onTestFinished } from 'vitest'
import { pino } from 'pino'
import { buildApp, type App } from '../../src/app.js'
import { validateConfig } from '../../src/config.js'
import { openStore } from '../../src/store/open-store.js'

export async function startPgApp(input: Record<string, unknown>, opts: { receiver?: boolean } = {}): Promise<{ app: App; proxyUrl: string; adminUrl: string }> {
  const config = validateConfig({ port: 0, adminPort: 0, logLevel: 'silent', ...input })
  const store = await openStore(config)
  const app = buildApp(config, { logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), receiver: opts.receiver, store })
  const { proxyUrl, adminUrl } = await app.listen()
  let closed = false
  const close = app.close.bind(app)
  app.close = async (closeOpts) => {
    if (closed) return
    closed = true
    await close(closeOpts)
  }
  onTestFinished(() => app.close({ graceMs: 1_000 }))
  return { app, proxyUrl, adminUrl }
}

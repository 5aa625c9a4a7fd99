/**
 * Starts a real shadowdiff app in receiver mode (`shadowdiff compare`) on
 * loopback port 0 with a temporary database, closed when the test finishes.
 */
import { join } from 'node:path'
import { onTestFinished } from 'vitest'
import { pino } from 'pino'
import { buildApp, type App } from '../../src/app.js'
import { validateConfig } from '../../src/config.js'
import { tempDir } from '../helpers/proxy.js'

export interface StartedReceiver {
  app: App
  /** Where the gateway mirrors to. */
  receiverUrl: string
  adminUrl: string
  db: string
}

export async function startReceiver(input: Record<string, unknown>): Promise<StartedReceiver> {
  const db = (input.db as string | undefined) ?? join(tempDir(), 'receiver.db')
  const config = validateConfig({ port: 0, adminPort: 0, logLevel: 'silent', db, ...input })
  const app = buildApp(config, { logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), receiver: true })
  const { proxyUrl, adminUrl } = await app.listen()
  // Tests may close it themselves (to flush the store); closing twice is a no-op.
  let closed = false
  const close = app.close.bind(app)
  app.close = async (opts) => {
    if (closed) return
    closed = true
    await close(opts)
  }
  onTestFinished(() => app.close({ graceMs: 1_000 }))
  return { app, receiverUrl: proxyUrl, adminUrl, db }
}

/**
 * Starts a real shadowdiff app on loopback (port 0) with a temporary database,
 * closed when the test finishes.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { onTestFinished } from 'vitest'
import { pino } from 'pino'
import { buildApp, type App } from '../../src/app.js'
import { validateConfig } from '../../src/config.js'

export interface StartedProxy {
  app: App
  proxyUrl: string
  adminUrl: string
  db: string
  dir: string
}

export function tempDir(prefix = 'shadowdiff-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export async function startProxy(input: Record<string, unknown>): Promise<StartedProxy> {
  const dir = tempDir()
  const db = (input.db as string | undefined) ?? join(dir, 'test.db')
  const config = validateConfig({ port: 0, adminPort: 0, logLevel: 'silent', db, ...input })
  const app = buildApp(config, { logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }) })
  const { proxyUrl, adminUrl } = await app.listen()
  let closed = false
  const close = app.close.bind(app)
  app.close = async (opts) => {
    if (closed) return
    closed = true
    await close(opts)
  }
  onTestFinished(() => app.close({ graceMs: 1_000 }))
  return { app, proxyUrl, adminUrl, db, dir }
}

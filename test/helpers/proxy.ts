/**
 * Starts a real shadowdiff app on loopback (port 0) with a temporary database,
 * closed when the test finishes.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { onTestFinished } from 'vitest'
import type { ServerResponse } from 'node:http'
import { pino } from 'pino'
import { buildApp, type App } from '../../src/app.js'
import { validateConfig } from '../../src/config.js'
import type { StoreEngine } from '../../src/store/store-engine.js'

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
  const { app, proxyUrl, adminUrl } = await startApp({ ...input, db })
  return { app, proxyUrl, adminUrl, db, dir }
}

/** `input` over the test defaults: port 0, silent logs. */
export function testConfig(input: Record<string, unknown>) {
  return validateConfig({ port: 0, adminPort: 0, logLevel: 'silent', ...input })
}

/**
 * Builds and starts an app from `input` (over test defaults: port 0, silent
 * logs), closed when the test finishes. Tests may close it themselves (to
 * flush the store); closing twice is a no-op.
 */
export async function startApp(input: Record<string, unknown>, opts: { receiver?: boolean; store?: StoreEngine } = {}): Promise<{ app: App; proxyUrl: string; adminUrl: string }> {
  const config = testConfig(input)
  const app = buildApp(config, { logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), receiver: opts.receiver, store: opts.store })
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

/**
 * Answers the upstream responses a test held back (those already held and
 * those that arrive meanwhile) until `app` has drained: a held mirror is
 * only released once the test has checked the bounds.
 */
export async function drainReleasing(app: App, held: ServerResponse[], answer: (res: ServerResponse) => void): Promise<void> {
  const release = setInterval(() => {
    for (const res of held.splice(0)) answer(res)
  }, 5)
  try {
    await app.drain()
  } finally {
    clearInterval(release)
  }
}

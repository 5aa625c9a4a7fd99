/**
 * Starts a real shadowdiff app in receiver mode (`shadowdiff compare`) on
 * loopback port 0 with a temporary database, closed when the test finishes.
 */
import { join } from 'node:path'
import type { App } from '../../src/app.js'
import { startApp, tempDir } from '../helpers/proxy.js'

export interface StartedReceiver {
  app: App
  /** Where the gateway mirrors to. */
  receiverUrl: string
  adminUrl: string
  db: string
}

export async function startReceiver(input: Record<string, unknown>): Promise<StartedReceiver> {
  const db = (input.db as string | undefined) ?? join(tempDir(), 'receiver.db')
  const { app, proxyUrl, adminUrl } = await startApp({ ...input, db }, { receiver: true })
  return { app, receiverUrl: proxyUrl, adminUrl, db }
}

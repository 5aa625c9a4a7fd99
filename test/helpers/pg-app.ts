/**
 * Starts a real shadowdiff app on loopback whose store is a PostgreSQL
 * database, opened the way `serve` opens it (openStore, then buildApp),
 * closed when the test finishes (startApp in ./proxy.ts).
 */
import type { App } from '../../src/app.js'
import { openStore } from '../../src/store/open-store.js'
import { startApp, testConfig } from './proxy.js'

export async function startPgApp(input: Record<string, unknown>, opts: { receiver?: boolean } = {}): Promise<{ app: App; proxyUrl: string; adminUrl: string }> {
  const store = await openStore(testConfig(input))
  return startApp(input, { ...opts, store })
}

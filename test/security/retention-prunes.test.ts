import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import Sqlite from 'better-sqlite3'
import { json, startUpstream } from '../helpers/upstream.js'
import { startProxy, tempDir } from '../helpers/proxy.js'
import { openDatabase } from '../../src/store/open-database.js'
import { Recorder } from '../../src/store/recorder.js'
import { bodyDivergence, exchange } from '../store/fixtures.js'
import { getPrimaryBytes, primaryHandler } from '../faults/fault-kit.js'

const DAY = 86_400_000

/** A database holding `n` divergent exchanges (and their counters) from `daysAgo` days ago. */
function seed(file: string, n: number, daysAgo: number, bodyBytes = 200): void {
  const recorder = new Recorder(openDatabase(file), { flushIntervalMs: 0, bodyCapBytes: bodyBytes + 100 })
  const at = Date.now() - daysAgo * DAY
  for (let i = 0; i < n; i++) {
    recorder.count(at + i, 'GET', '/old/:id', 'served')
    recorder.recordCompared(exchange({ at: at + i, route: '/old/:id', url: `/old/${i}`, divergences: [bodyDivergence(`/f${i % 10}`)], candidateBody: JSON.stringify({ pad: 'x'.repeat(bodyBytes) }) }))
  }
  recorder.close()
}

function rows(file: string): { old: number; fresh: number; counters: number } {
  const db = new Sqlite(file, { readonly: true })
  try {
    const old = db.prepare("SELECT count(*) FROM exchanges WHERE route = '/old/:id'").pluck().get() as number
    const fresh = db.prepare("SELECT count(*) FROM exchanges WHERE route != '/old/:id'").pluck().get() as number
    const counters = db.prepare("SELECT count(*) FROM counters WHERE route = '/old/:id'").pluck().get() as number
    return { old, fresh, counters }
  } finally {
    db.close()
  }
}

async function divergentProxy(file: string, store: Record<string, unknown>) {
  const primary = await startUpstream(primaryHandler)
  const candidate = await startUpstream((_req, res) => json(res, 200, { other: true }))
  return startProxy({ primary, candidate, db: file, store: { flushIntervalMs: 600_000, ...store } })
}

describe('retention (store.retainDays, store.maxDbMb)', () => {
  it('store.retainDays: the first flush prunes exchanges and counters older than the window, in a bounded step, while the proxy serves', async () => {
    const file = join(tempDir(), 'retain.db')
    seed(file, 300, 10)
    expect(rows(file).old).toBe(300)
    const { proxyUrl, app } = await divergentProxy(file, { retainDays: 1 })
    const lag = monitorEventLoopDelay({ resolution: 5 })
    lag.enable()
    for (let i = 0; i < 10; i++) await getPrimaryBytes(`${proxyUrl}/fresh/${i}`)
    await app.drain() // flushes, then runs one prune step
    lag.disable()
    const after = rows(file)
    expect(after.old).toBe(0)
    expect(after.counters).toBe(0)
    expect(after.fresh).toBe(10)
    // The prune step ran on the event loop without stalling it.
    expect(lag.max / 1e6).toBeLessThan(250)
  })

  it('store.maxDbMb: above the cap the oldest exchanges go first, at most one batch per step, the newest stay', async () => {
    const file = join(tempDir(), 'cap.db')
    seed(file, 1200, 0.5, 2000) // ~3 MB of stored bodies, half a day old, 10 signatures
    const { proxyUrl, app } = await divergentProxy(file, { maxDbMb: 1 })
    for (let i = 0; i < 10; i++) await getPrimaryBytes(`${proxyUrl}/fresh/${i}`)
    await app.drain()
    const after = rows(file)
    // Steps delete at most 500 rows per table each (src/store/retention.ts);
    // how many steps run before the drain ends depends on how many flushes it
    // takes (the noise stage adds one), so assert the order, not the count.
    expect(after.old).toBeLessThan(1200)
    expect(after.old).toBeGreaterThan(0)
    expect(after.fresh).toBe(10)
  })
})

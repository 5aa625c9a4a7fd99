/**
 * PostgreSQL stops for 5 s under load, or is slowed by a lock another
 * session holds on the counters table: the clients see nothing (every
 * request answered by the primary, no slower than before), the recorder
 * holds the records in memory and counts what it could not keep, and once
 * the database is back writing resumes and the accounting closes: what is
 * stored plus what was counted lost is what was served.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Agent, request } from 'undici'
import pg from 'pg'
import { json, startUpstream } from '../helpers/upstream.js'
import { startPgApp } from '../helpers/pg-app.js'
import { startPgCluster, type PgCluster } from '../helpers/pg-cluster.js'
import { createDatabase } from '../helpers/pg-database.js'
import { readReport } from '../../src/report/read-report.js'
import type { App } from '../../src/app.js'

let cluster: PgCluster
beforeAll(async () => {
  cluster = await startPgCluster()
})
afterAll(() => cluster?.stop())

const FLUSH_MS = 200

/** Clients hammering `url` until stopped; each answer's status and latency, by phase. */
function load(url: string, workers = 6) {
  const agent = new Agent({ connections: workers })
  const phases = new Map<string, number[]>()
  let phase = 'before'
  let errors = 0
  let ok = 0
  let stop = false
  const run = async (w: number) => {
    for (let i = 0; !stop; i++) {
      const t0 = performance.now()
      try {
        const res = await request(`${url}/load/${w}-${i}`, { dispatcher: agent, headersTimeout: 10_000, bodyTimeout: 10_000 })
        await res.body.dump()
        if (res.statusCode === 200) ok++
        else errors++
      } catch {
        errors++
      }
      const list = phases.get(phase) ?? []
      list.push(performance.now() - t0)
      phases.set(phase, list)
    }
  }
  const running = Promise.all(Array.from({ length: workers }, (_, w) => run(w)))
  return {
    set phase(p: string) {
      phase = p
    },
    get ok() {
      return ok
    },
    get errors() {
      return errors
    },
    latency(p: string) {
      const list = [...(phases.get(p) ?? [])].sort((a, b) => a - b)
      const at = (q: number) => list[Math.min(list.length - 1, Math.floor(q * list.length))] ?? 0
      return { n: list.length, p50: at(0.5), p99: at(0.99), max: list.at(-1) ?? 0 }
    },
    async stop() {
      stop = true
      await running
      await agent.close()
    },
  }
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

async function started(url: string) {
  const primary = await startUpstream((_req, res) => json(res, 200, { v: 1 }))
  const candidate = await startUpstream((req, res) => json(res, 200, { v: req.url?.endsWith('0') ? 2 : 1 }))
  return startPgApp({ primary, candidate, db: url, store: { flushIntervalMs: FLUSH_MS } })
}

/** Everything served is stored or counted lost, once the store has caught up. */
async function expectAccountingCloses(app: App, url: string, served: number) {
  await app.drain()
  await until('the store to catch up', async () => {
    await app.recorder.flushed()
    const s = app.recorder.stats()
    return s.pending === 0 && s.lastError === null
  })
  const stats = app.recorder.stats()
  const report = await readReport([url])
  expect(app.stats.toJSON().served).toBe(served)
  // Every record is one count: a lost record is one served (or compared) exchange the store could not keep.
  expect(report.totals.served + stats.lost).toBeGreaterThanOrEqual(served)
  expect(report.totals.served).toBeLessThanOrEqual(served)
  return { report, stats }
}

describe('PostgreSQL faults under load', () => {
  it('stopped for 5 s: 0 client errors, no slower, records held or counted lost, writing resumes', async () => {
    const url = await createDatabase(cluster)
    const { app, proxyUrl } = await started(url)
    const clients = load(proxyUrl)
    await until('some traffic written', () => app.recorder.stats().written > 200)
    const down = Date.now()
    clients.phase = 'down'
    await cluster.halt()
    await until('a failing flush', () => app.recorder.stats().failedFlushes > 0)
    await new Promise((r) => setTimeout(r, 5_000 - (Date.now() - down)))
    await cluster.resume()
    clients.phase = 'after'
    await until('writing again', () => app.recorder.stats().lastError === null && app.recorder.stats().flushes > 0)
    const writtenAfter = app.recorder.stats().written
    await until('more traffic written after the restart', () => app.recorder.stats().written > writtenAfter + 100)
    await clients.stop()

    const before = clients.latency('before')
    const during = clients.latency('down')
    const after = clients.latency('after')
    const { report, stats } = await expectAccountingCloses(app, url, clients.ok)
    console.log(
      `pg down ${Date.now() - down} ms: ${clients.ok} answered, ${clients.errors} errors; latency ms before p50 ${before.p50.toFixed(1)} p99 ${before.p99.toFixed(1)} ` +
        `| down p50 ${during.p50.toFixed(1)} p99 ${during.p99.toFixed(1)} max ${during.max.toFixed(1)} (n ${during.n}) | after p99 ${after.p99.toFixed(1)}; ` +
        `stored served ${report.totals.served}, lost ${stats.lost}, lostDetails ${stats.lostDetails}, failed flushes ${stats.failedFlushes}`,
    )
    expect(clients.errors).toBe(0)
    expect(during.n).toBeGreaterThan(100)
    // Nothing on the client path waits for the database (generous bounds: a shared 2-core machine restarting PostgreSQL).
    expect(during.p50).toBeLessThan(Math.max(5 * before.p50, 25))
    expect(during.p99).toBeLessThan(Math.max(3 * before.p99, 150))
    expect(during.max).toBeLessThan(2_000)
    expect(stats.failedFlushes).toBeGreaterThan(0)
  })

  it('slowed by a lock on the counters table: clients unaffected, flushes wait, then everything is written', async () => {
    const url = await createDatabase(cluster)
    const { app, proxyUrl } = await started(url)
    const clients = load(proxyUrl)
    await until('some traffic written', () => app.recorder.stats().written > 200)
    const locker = new pg.Client({ connectionString: url })
    await locker.connect()
    await locker.query('BEGIN')
    await locker.query('LOCK TABLE counters IN ACCESS EXCLUSIVE MODE')
    clients.phase = 'locked'
    const flushesAtLock = app.recorder.stats().flushes
    await new Promise((r) => setTimeout(r, 3_000))
    // The flush in flight is waiting for the lock; nothing more was written, and clients went on.
    const flushesWhileLocked = app.recorder.stats().flushes - flushesAtLock
    await locker.query('ROLLBACK')
    await locker.end()
    clients.phase = 'after'
    await until('flushing again', () => app.recorder.stats().flushes > flushesAtLock + 2)
    await clients.stop()
    const before = clients.latency('before')
    const locked = clients.latency('locked')
    const { report, stats } = await expectAccountingCloses(app, url, clients.ok)
    console.log(
      `pg locked 3 s: ${clients.ok} answered, ${clients.errors} errors; latency ms before p50 ${before.p50.toFixed(1)} p99 ${before.p99.toFixed(1)} ` +
        `| locked p50 ${locked.p50.toFixed(1)} p99 ${locked.p99.toFixed(1)} max ${locked.max.toFixed(1)} (n ${locked.n}); flushes while locked ${flushesWhileLocked}; stored served ${report.totals.served}, lost ${stats.lost}`,
    )
    expect(clients.errors).toBe(0)
    expect(flushesWhileLocked).toBeLessThanOrEqual(1)
    expect(locked.n).toBeGreaterThan(100)
    expect(locked.p50).toBeLessThan(Math.max(5 * before.p50, 25))
    expect(locked.p99).toBeLessThan(Math.max(3 * before.p99, 150))
    expect(locked.max).toBeLessThan(2_000)
    // Nothing overflowed in 3 s: every served exchange is stored.
    expect(stats.lost).toBe(0)
    expect(report.totals.served).toBe(clients.ok)
  })
})

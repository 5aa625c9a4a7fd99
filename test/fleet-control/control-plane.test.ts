/**
 * The fleet control plane in one process: several FleetSplitControl
 * instances (each with its own TrafficMode, as each serve has) on one real
 * PostgreSQL cluster, so propagation, polling, the lease and the relay are
 * exercised with real LISTEN/NOTIFY and real advisory locks, quickly. The
 * spawned-serve tests (fleet-*.test.ts) repeat the important ones over HTTP.
 */
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/logger.js'
import { connectFleet } from '../../src/split/fleet-connection.js'
import { FleetSplitControl } from '../../src/split/fleet-control.js'
import type { GateVerdict } from '../../src/split/promotion.js'
import { TrafficMode } from '../../src/split/traffic-mode.js'
import { migratePg } from '../../src/store/pg/pg-schema.js'
import { startPgCluster, type PgCluster } from '../helpers/pg-cluster.js'

let cluster: PgCluster
let admin: pg.Pool
const controls: FleetSplitControl[] = []

beforeAll(async () => {
  cluster = await startPgCluster()
  admin = new pg.Pool({ connectionString: cluster.url, max: 2 })
  // The data tables first, as serve opens the store before the control plane (the audit trail is their events table).
  await migratePg(admin, cluster.url)
})

afterAll(async () => {
  await Promise.all(controls.map((c) => c.close()))
  await admin?.end()
  cluster?.stop()
})

const logger = createLogger('silent')
let verdict: GateVerdict['verdict'] = 'pass'
const evaluate = async (since: number) => ({ ok: verdict === 'pass', verdict, reasons: [`test verdict since ${since}`] })

async function instance(opts: { leaseRetryMs?: number } = {}) {
  const traffic = new TrafficMode({ reverseShadow: true })
  const conn = await connectFleet(cluster.url, traffic.state)
  const control = new FleetSplitControl(conn, { traffic, evaluate, logger, leaseRetryMs: opts.leaseRetryMs ?? 200 })
  controls.push(control)
  return { traffic, control }
}

async function until<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 5000): Promise<Exclude<T, false | undefined | null | 0 | ''>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v as Exclude<T, false | undefined | null | 0 | ''>
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('fleet control plane (in process, real PostgreSQL)', () => {
  it('a change on one instance reaches the others through NOTIFY, with one audit event', async () => {
    const a = await instance()
    const b = await instance()
    const c = await instance()
    const t0 = Date.now()
    await a.control.setTraffic({ mode: 'split', weight: 7 }, { actor: 'tester', cause: 'canary' })
    expect(a.traffic.state).toMatchObject({ mode: 'split', weight: 7 })
    await until('b and c at 7%', () => b.traffic.state.weight === 7 && c.traffic.state.weight === 7)
    expect(Date.now() - t0).toBeLessThan(1000)
    const events = await b.control.events({})
    expect(events.filter((e) => e.cause === 'canary')).toHaveLength(1)
    // Applied once, by whichever read got there first (the notification, or a poll that happened to run just then).
    const applied = b.control.status().applied as Record<string, number>
    expect(applied.notify + applied.poll).toBe(1)
  })

  it('a missed notification is caught by the poll', async () => {
    const a = await instance()
    const b = await instance()
    await until('b listening', () => b.control.status().listening === true)
    // Cut every LISTEN connection; the change is notified while they are down, so only the poll (or the reconnect's catch-up) can bring it.
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'shadowdiff-listen'")
    await until('b noticed', () => b.control.status().listening === false)
    const before = b.control.status().applied as Record<string, number>
    const t0 = Date.now()
    await a.control.setTraffic({ mode: 'split', weight: 11 }, { actor: 'tester', cause: 'while deaf' })
    await until('b at 11%', () => b.traffic.state.weight === 11)
    expect(Date.now() - t0).toBeLessThan(1000)
    const after = b.control.status().applied as Record<string, number>
    expect(after.notify).toBe(before.notify)
    expect(after.poll + after.reconnect).toBeGreaterThan(before.poll + before.reconnect)
    await until('b listening again', () => b.control.status().listening === true)
  })

  it('exactly one driver; a promotion runs on it, and another takes over when its session dies', async () => {
    await Promise.all(controls.splice(0).map((x) => x.close()))
    const a = await instance()
    const b = await instance()
    await until('a driver', () => a.control.driving || b.control.driving)
    await new Promise((r) => setTimeout(r, 500))
    expect([a.control.driving, b.control.driving].filter(Boolean)).toHaveLength(1)
    const { rows } = await admin.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted", [0x5d1ff002])
    expect(rows[0].n).toBe(1)
    const [driver, other] = a.control.driving ? [a, b] : [b, a]
    // Started on the instance that does not drive: relayed to the driver.
    const started = await other.control.startPromotion({ steps: [10, 50, 100], intervalMs: 1500, evaluateEveryMs: 300 }, 'tester', {})
    expect(started.state).toBe('running')
    await until('both at 10%', () => driver.traffic.state.weight === 10 && other.traffic.state.weight === 10)
    // End the driver's lease session as a dead process loses it; this process lives on, so either instance may take the lease.
    const takeovers = () => (a.control.status().takeovers as number) + (b.control.status().takeovers as number)
    const before = takeovers()
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted", [0x5d1ff002])
    await until('a new driver', () => takeovers() > before, 5000)
    const done = await until('promotion succeeded', () => other.control.promotionStatus().state === 'succeeded' && other.control.promotionStatus(), 15_000)
    expect(done.history.map((h) => h.event)).toContain('resumed')
    await until('both at candidate', () => driver.traffic.state.mode === 'candidate' && other.traffic.state.mode === 'candidate')
    const trail = await other.control.events({})
    const promo = trail.filter((e) => e.type === 'promotion' && Date.parse(e.at) >= started.startedAt!)
    const tos = promo.map((e) => (e.data as { to: { state: string; step: number } }).to)
    expect(tos[0]).toMatchObject({ state: 'running', step: 1 })
    expect(tos.at(-1)).toMatchObject({ state: 'succeeded', step: 3 })
  }, 30_000)

  it('a traffic change by an operator ends a running promotion everywhere, and abort works from any instance', async () => {
    await Promise.all(controls.splice(0).map((x) => x.close()))
    const a = await instance()
    const b = await instance()
    await until('a driver', () => a.control.driving || b.control.driving)
    const [driver, other] = a.control.driving ? [a, b] : [b, a]
    await driver.control.startPromotion({ steps: [5, 100], intervalMs: 60_000 }, 'tester', {})
    await until('other at 5%', () => other.traffic.state.weight === 5)
    await other.control.setTraffic({ mode: 'split', weight: 2 }, { actor: 'operator', cause: 'manual' })
    await until('driver sees aborted', () => driver.control.promotionStatus().state === 'aborted')
    expect(driver.traffic.state.weight).toBe(2)
    await other.control.startPromotion({ steps: [5, 100], intervalMs: 60_000 }, 'tester', {})
    await until('driver at 5%', () => driver.traffic.state.weight === 5)
    const aborted = await other.control.abortPromotion('enough', 'operator')
    expect(aborted.state).toBe('aborted')
    await until('driver in shadow', () => driver.traffic.state.mode === 'shadow' && driver.control.promotionStatus().state === 'aborted')
  }, 30_000)
})

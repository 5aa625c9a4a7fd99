/**
 * Issue 15: exactly one instance of a fleet drives a promotion, and the
 * promotion survives `kill -9` of that instance: another takes the lease
 * within a few seconds, resumes at the stored step and finishes it, with
 * one consistent audit trail. Three real serve processes, real load.
 */
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PromotionStatus } from '../../src/split/promotion-plan.js'
import { startPgCluster, type PgCluster } from '../helpers/pg-cluster.js'
import { freshDatabase, getJson, keepLoad, sendJson, startFleet, upstreams, within } from './fleet-kit.js'

let cluster: PgCluster

beforeAll(async () => {
  cluster = await startPgCluster()
})

afterAll(() => cluster?.stop())

type Status = { mode: string; weight: number; promotion: string; control: { driver: boolean; instance: string } }

interface Event {
  at: string
  type: string
  actor: string
  cause: string
  data?: { from?: { state?: string; step?: number; weight?: number }; to?: { state?: string; step?: number; weight?: number } }
}

describe('promotion driver on a fleet', () => {
  it('exactly one instance drives; after kill -9 of it another takes over and the promotion finishes with one trail', async () => {
    const db = await freshDatabase(cluster)
    const fleet = await startFleet(3, db, await upstreams())
    const statuses = () => Promise.all(fleet.map((x) => getJson<Status>(`${x.admin}/api/status`).catch(() => undefined)))
    await within('a driver', 5000, async () => (await statuses()).some((s) => s?.control.driver))
    // Every instance has tried for the lease at least twice by now (every second): still only one holds it.
    await new Promise((r) => setTimeout(r, 2100))
    const drivers = (await statuses()).map((s) => s!.control.driver)
    expect(drivers.filter(Boolean)).toHaveLength(1)
    const admin = new pg.Client({ connectionString: db })
    await admin.connect()
    const locks = await admin.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted", [0x5d1ff002])
    await admin.end()
    expect(locks.rows[0].n).toBe(1)

    const d = drivers.indexOf(true)
    const others = fleet.map((_, k) => k).filter((k) => k !== d)
    const load = keepLoad(fleet)
    await within('load flowing', 5000, () => load.counts.every((x) => x.sent > 20))
    // Started on an instance that does not drive: the command is relayed to the driver.
    const started = await sendJson('POST', `${fleet[others[0]].admin}/api/promote`, {
      steps: [20, 100],
      intervalMs: 3000,
      evaluateEveryMs: 500,
      thresholds: { minSamples: 5 },
      cause: 'fleet promotion',
    })
    expect(started.status).toBe(202)
    expect(started.body).toMatchObject({ state: 'running', step: 1, weight: 20 })

    // Mid-way through the first step (in effect everywhere, its judged window open, its 3 s interval not over), kill the driver.
    await within('step 1 everywhere', 5000, async () => (await statuses()).every((s) => s?.weight === 20))
    const { stepStartedAt } = await getJson<PromotionStatus>(`${fleet[d].admin}/api/promote`)
    await new Promise((r) => setTimeout(r, Math.max(0, stepStartedAt! + 1800 - Date.now())))
    fleet[d].child.kill('SIGKILL')
    load.markDead(d)
    const killedAt = Date.now()
    const takeover = await within('a new driver', 10_000, async () => {
      const s = await Promise.all(others.map((k) => getJson<Status>(`${fleet[k].admin}/api/status`)))
      return s.some((x) => x.control.driver)
    })
    console.log(`driver killed (SIGKILL) at step 1: another instance took the lease ${takeover} ms later`)
    expect(takeover).toBeLessThan(5000)

    const survivor = fleet[others[1]].admin
    await within('promotion finished', 20_000, async () => {
      const p = await getJson<PromotionStatus>(`${survivor}/api/promote`)
      return p.state !== 'running' && p.state !== 'paused'
    })
    const final = await getJson<PromotionStatus>(`${survivor}/api/promote`)
    console.log(`promotion ${final.state} ${Date.now() - killedAt} ms after the kill; history: ${final.history.map((h) => `${h.event}@${h.weight}`).join(' ')}`)
    expect(final.state).toBe('succeeded')
    await within('both survivors in candidate mode', 2000, async () => {
      const s = await Promise.all(others.map((k) => getJson<Status>(`${fleet[k].admin}/api/status`)))
      return s.every((x) => x.mode === 'candidate' && x.promotion === 'succeeded')
    })
    await load.stop()
    for (const k of others) expect(load.counts[k].failed).toBe(0)

    // One trail: every step once, one resume by the new driver, one end; the same on every survivor.
    const trail = await getJson<Event[]>(`${survivor}/api/events`)
    expect(await getJson<Event[]>(`${fleet[others[0]].admin}/api/events`)).toEqual(trail)
    const traffic = trail.filter((e) => e.type !== 'promotion').map((e) => e.data?.to?.weight)
    expect(traffic).toEqual([20, 100])
    const promo = trail.filter((e) => e.type === 'promotion').map((e) => `${e.data?.to?.state}:${e.data?.to?.step}`)
    expect(promo).toEqual(['running:1', 'running:1', 'running:2', 'succeeded:2'])
    const resumed = trail.filter((e) => e.type === 'promotion' && /resumed/.test(e.cause))
    expect(resumed).toHaveLength(1)
    expect(resumed[0].actor).toBe('fleet')
    expect(final.history.filter((h) => h.event === 'resumed')).toHaveLength(1)
    // The resumed step kept its window: judged from the step's own start, not from the takeover.
    const passed1 = final.history.find((h) => h.event === 'passed' && h.step === 1)!
    const step1 = final.history.find((h) => h.event === 'step' && h.step === 1)!
    expect(passed1.evidence!.since).toBe(Math.ceil((step1.at + 700) / 1000) * 1000)
    expect(passed1.evidence!.since).toBeLessThan(killedAt)
  })
})

/**
 * Issue 15: a split change on one instance of a fleet takes effect on the
 * others within 1 s, under load; a missed notification is caught by the
 * poll; /api/status and /metrics on any instance describe the fleet's
 * state. Three real serve processes on one PostgreSQL database.
 */
import pg from 'pg'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { startPgCluster, type PgCluster } from '../helpers/pg-cluster.js'
import { freshDatabase, getJson, keepLoad, sendJson, startFleet, upstreams, within } from './fleet-kit.js'

let cluster: PgCluster

beforeAll(async () => {
  cluster = await startPgCluster()
})

afterAll(() => cluster?.stop())

type Status = { mode: string; weight: number; control: { revision: number; driver: boolean; listening: boolean; applied: Record<string, number> } }

/** The first request after `t0` through `proxy` that the candidate served: the instance routes by a weight above 0. */
async function firstCandidateServed(proxy: string, t0: number, timeoutMs: number): Promise<number> {
  for (let i = 0; ; i++) {
    const res = await request(`${proxy}/api/items/1`, { headers: { 'x-user': `probe-${i}` } })
    await res.body.dump()
    if (res.headers['x-shadowdiff-served-by'] === 'candidate') return Date.now() - t0
    if (Date.now() - t0 > timeoutMs) throw new Error(`${proxy} still served only from the primary after ${timeoutMs} ms`)
  }
}

async function metricWeight(admin: string): Promise<number> {
  const text = await (await request(`${admin}/metrics`)).body.text()
  return Number(/^shadowdiff_split_weight (\S+)$/m.exec(text)?.[1])
}

describe('a fleet of three serve instances on one PostgreSQL', () => {
  it('a split change on A (admin API, then the CLI) routes B and C by the new weight within 1 s, under load', async () => {
    const db = await freshDatabase(cluster)
    const [a, b, c] = await startFleet(3, db, await upstreams())
    const load = keepLoad([a, b, c])
    await within('load flowing', 5000, () => load.counts.every((x) => x.sent > 20))

    const t0 = Date.now()
    const put = await sendJson('PUT', `${a.admin}/api/split`, { mode: 'split', weight: 30, cause: 'fleet canary' })
    expect(put.status).toBe(200)
    const [routedB, routedC, reportedB, reportedC] = await Promise.all([
      firstCandidateServed(b.proxy, t0, 2000),
      firstCandidateServed(c.proxy, t0, 2000),
      within('B reports 30%', 2000, async () => (await getJson<Status>(`${b.admin}/api/status`)).weight === 30),
      within('C reports 30%', 2000, async () => (await getJson<Status>(`${c.admin}/api/status`)).weight === 30),
    ])
    console.log(`PUT /api/split on A → B routes by it in ${routedB} ms, C in ${routedC} ms; /api/status shows it on B in ${reportedB} ms, on C in ${reportedC} ms`)
    for (const ms of [routedB, routedC, reportedB, reportedC]) expect(ms).toBeLessThan(1000)
    expect(await metricWeight(b.admin)).toBe(30)
    expect(await metricWeight(c.admin)).toBe(30)
    const statusText = await runCli(['status', '--admin', b.admin])
    expect(statusText.stdout).toMatch(/split: the candidate serves 30% of users/)
    expect(statusText.stdout).toMatch(/fleet +shared split state at revision \d+; (this|another) instance drives promotions; listening for changes/)

    // The CLI on C, through C's admin API: A and B follow. Watched while the CLI runs, timed from the commit (the audit event's time).
    const watch = [a, b].map(async (x) => {
      await within('weight 60', 10_000, async () => (await getJson<Status>(`${x.admin}/api/status`)).weight === 60)
      return Date.now()
    })
    const cli = await runCli(['split', '--mode', 'split', '--weight', '60', '--cause', 'from the CLI', '--admin', c.admin])
    expect(cli.code).toBe(0)
    expect(cli.stdout).toMatch(/60/)
    const seenAt = await Promise.all(watch)
    const events = await getJson<{ at: string; cause: string; actor: string }[]>(`${a.admin}/api/events`)
    const committed = Date.parse(events.find((e) => e.cause === 'from the CLI')!.at)
    const seen = seenAt.map((t) => t - committed)
    console.log(`shadowdiff split on C → A reports 60% ${seen[0]} ms, B ${seen[1]} ms after the commit`)
    for (const ms of seen) expect(ms).toBeLessThan(1000)
    await load.stop()
    for (const k of load.counts) expect(k.failed).toBe(0)
    // Every instance served part of its users from the candidate: they all routed by the shared weight.
    for (const k of load.counts) expect(k.candidate).toBeGreaterThan(0)

    // One audit event per change in the shared trail, by the instance that made it; the followers added none.
    expect(events.filter((e) => e.cause === 'fleet canary')).toHaveLength(1)
    expect(events.filter((e) => e.cause === 'from the CLI')).toMatchObject([{ actor: 'cli' }])
    expect((await getJson<unknown[]>(`${b.admin}/api/events`)).length).toBe(events.length)
  })

  it('a notification missed while the LISTEN connections are down is caught by the poll within 1 s', async () => {
    const db = await freshDatabase(cluster)
    const [a, b, c] = await startFleet(3, db, await upstreams())
    await within('listening', 5000, async () => (await Promise.all([a, b, c].map((x) => getJson<Status>(`${x.admin}/api/status`)))).every((s) => s.control.listening))
    const before = await getJson<Status>(`${b.admin}/api/status`)
    const admin = new pg.Client({ connectionString: db })
    await admin.connect()
    const { rowCount } = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'shadowdiff-listen' AND datname = current_database()")
    await admin.end()
    expect(rowCount).toBe(3)
    const t0 = Date.now()
    // Sent while nobody listens: this notification is lost for every instance.
    expect((await sendJson('PUT', `${a.admin}/api/split`, { mode: 'split', weight: 12 })).status).toBe(200)
    const [onB, onC] = await Promise.all(
      [b, c].map((x) => within('weight 12', 2000, async () => (await getJson<Status>(`${x.admin}/api/status`)).weight === 12)),
    )
    console.log(`with LISTEN cut: B applied the change in ${onB} ms, C in ${onC} ms (poll / reconnect catch-up)`)
    expect(onB).toBeLessThan(1000)
    expect(onC).toBeLessThan(1000)
    const after = await getJson<Status>(`${b.admin}/api/status`)
    expect(after.control.applied.notify).toBe(before.control.applied.notify)
    expect(after.control.applied.poll + after.control.applied.reconnect).toBeGreaterThan(before.control.applied.poll + before.control.applied.reconnect)
    // And LISTEN comes back: the next change arrives by notification again.
    await within('listening again', 5000, async () => (await getJson<Status>(`${b.admin}/api/status`)).control.listening)
    expect((await sendJson('PUT', `${a.admin}/api/split`, { mode: 'split', weight: 13 })).status).toBe(200)
    await within('weight 13', 1000, async () => (await getJson<Status>(`${b.admin}/api/status`)).weight === 13)
  })
})

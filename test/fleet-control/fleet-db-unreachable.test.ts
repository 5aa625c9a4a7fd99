/**
 * Issue 15: with the shared PostgreSQL unreachable, a mode change is
 * refused with a clear error (503 SHD_CONTROL_UNAVAILABLE; the CLI prints
 * it and exits 1) rather than applied to one instance, and serving goes on;
 * once it is back, changes are taken again and reach every instance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { startPgCluster, type PgCluster } from '../helpers/pg-cluster.js'
import { freshDatabase, getJson, keepLoad, sendJson, startFleet, upstreams, within } from './fleet-kit.js'

let cluster: PgCluster

beforeAll(async () => {
  cluster = await startPgCluster()
})

afterAll(() => cluster?.stop())

type Status = { mode: string; weight: number }

describe('a fleet whose database is down', () => {
  it('refuses split, rollback and promote with SHD_CONTROL_UNAVAILABLE, changes no instance, and keeps serving', async () => {
    const db = await freshDatabase(cluster)
    const [a, b] = await startFleet(2, db, await upstreams())
    expect((await sendJson('PUT', `${a.admin}/api/split`, { mode: 'split', weight: 20 })).status).toBe(200)
    await within('B at 20%', 2000, async () => (await getJson<Status>(`${b.admin}/api/status`)).weight === 20)
    const load = keepLoad([a, b])
    await within('load flowing', 5000, () => load.counts.every((x) => x.sent > 20))

    await cluster.halt()
    const t0 = Date.now()
    const put = await sendJson('PUT', `${a.admin}/api/split`, { mode: 'split', weight: 50 })
    const refusedIn = Date.now() - t0
    console.log(`PUT /api/split with PostgreSQL down: ${put.status} in ${refusedIn} ms: ${JSON.stringify(put.body)}`)
    expect(put.status).toBe(503)
    expect(put.body.error).toMatchObject({ code: 'SHD_CONTROL_UNAVAILABLE' })
    expect((put.body.error as { message: string }).message).toMatch(/the traffic state was not changed: the shared database postgres:\/\/.* is unreachable \(.*\); no instance was changed/)
    expect(refusedIn).toBeLessThan(5000)

    const cli = await runCli(['split', '--mode', 'candidate', '--admin', b.admin])
    expect(cli.code).toBe(1)
    expect(cli.stderr).toMatch(/^shadowdiff split: SHD_CONTROL_UNAVAILABLE: the traffic state was not changed: the shared database .* is unreachable/m)
    const rollback = await runCli(['rollback', '--admin', a.admin])
    expect(rollback.code).toBe(1)
    expect(rollback.stderr).toContain('SHD_CONTROL_UNAVAILABLE')
    const promote = await sendJson('POST', `${b.admin}/api/promote`, { steps: [50, 100], intervalMs: 1000 })
    expect(promote.status).toBe(503)
    expect(promote.body.error).toMatchObject({ code: 'SHD_CONTROL_UNAVAILABLE' })

    // Neither instance moved; both keep serving their users at the last shared weight.
    const sentBefore = load.counts.map((x) => x.sent)
    await within('more load served', 5000, () => load.counts.every((x, k) => x.sent > sentBefore[k] + 50))
    for (const x of [a, b]) expect(await getJson<Status>(`${x.admin}/api/status`)).toMatchObject({ mode: 'split', weight: 20 })

    // The database is back: the next change is taken and reaches both instances.
    await cluster.resume()
    const back = await within('a change taken again', 10_000, async () => (await sendJson('PUT', `${a.admin}/api/split`, { mode: 'split', weight: 50 })).status === 200)
    const applied = await within('B at 50%', 2000, async () => (await getJson<Status>(`${b.admin}/api/status`)).weight === 50)
    console.log(`PostgreSQL back: a change was taken after ${back} ms of retries and reached B ${applied} ms later`)
    expect(applied).toBeLessThan(1000)
    await load.stop()
    for (const k of load.counts) expect(k.failed).toBe(0)
    for (const k of load.counts) expect(k.candidate).toBeGreaterThan(0)
  })
})

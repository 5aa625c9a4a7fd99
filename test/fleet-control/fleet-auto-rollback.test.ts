/**
 * Issue 15: the automatic rollback of one instance goes through the fleet's
 * shared state: when the candidate fails the users one instance sends it,
 * every instance is back on the primary within 1 s, with one audit event.
 */
import type http from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { json } from '../helpers/upstream.js'
import { startPgCluster, type PgCluster } from '../helpers/pg-cluster.js'
import { freshDatabase, getJson, keepLoad, sendJson, startFleet, upstreams, within } from './fleet-kit.js'

let cluster: PgCluster

beforeAll(async () => {
  cluster = await startPgCluster()
})

afterAll(() => cluster?.stop())

type Status = { mode: string; weight: number }

describe('automatic rollback on a fleet', () => {
  it('a trip on one instance rolls every instance back, once', async () => {
    const db = await freshDatabase(cluster)
    const failing: http.RequestListener = (_req, res) => json(res, 503, { error: 'down' })
    const fleet = await startFleet(3, db, await upstreams(failing))
    expect((await sendJson('PUT', `${fleet[1].admin}/api/split`, { mode: 'split', weight: 50, cause: 'canary' })).status).toBe(200)
    await within('everyone at 50%', 2000, async () => (await Promise.all(fleet.map((x) => getJson<Status>(`${x.admin}/api/status`)))).every((s) => s.weight === 50))
    // Only the first instance gets traffic: only its monitor can trip.
    const load = keepLoad([fleet[0]])
    // When each instance is back in shadow (watched every 5 ms).
    const backAt = await Promise.all(
      fleet.map(async (x) => {
        await within('back in shadow', 10_000, async () => (await getJson<Status>(`${x.admin}/api/status`)).mode === 'shadow')
        return Date.now()
      }),
    )
    await load.stop()
    const events = await getJson<{ at: string; type: string; actor: string; cause: string }[]>(`${fleet[2].admin}/api/events`)
    const rollbacks = events.filter((e) => e.type === 'rollback')
    expect(rollbacks).toHaveLength(1)
    expect(rollbacks[0].actor).toBe('rollback-monitor')
    expect(rollbacks[0].cause).toMatch(/candidate 5xx\/timeout rate/)
    // Applied on the others from the shared state, within 1 s of its commit.
    const lags = backAt.map((t) => t - Date.parse(rollbacks[0].at))
    console.log(`automatic rollback committed by instance 1; instances in shadow ${lags.join(' ms, ')} ms after the commit`)
    for (const ms of lags) expect(ms).toBeLessThan(1000)
  })
})

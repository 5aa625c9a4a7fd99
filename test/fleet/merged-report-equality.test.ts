/**
 * A fleet, one report: the same deterministic exchange stream recorded by
 * three receivers sharing the traffic (request i goes to receiver i mod 3)
 * and by one `serve` instance taking all of it. The merged report of the
 * three databases must equal the single one, except `sources`,
 * `generatedAt` and what depends on the clock: latency values (two runs
 * never take the same time; test/report/build-report-merge.test.ts checks
 * the merged histograms exactly at the store level), example timestamps
 * and the minute buckets of the timeline (folded into totals here).
 */
import { describe, expect, it } from 'vitest'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { request } from 'undici'
import { startUpstream } from '../helpers/upstream.js'
import { startProxy, tempDir } from '../helpers/proxy.js'
import { startReceiver } from '../receiver/start-receiver.js'
import { buildReport, resolveSources } from '../../src/report/build-report.js'
import type { LatencySummary, Report } from '../../src/report/report-types.js'
import { nth, service } from './fleet-traffic.js'

const STREAM = 90

/** The report without what differs between runs by design or by the clock. */
function comparable(r: Report) {
  const latency = (l: { primary: LatencySummary; candidate: LatencySummary } | undefined) => l && { primary: l.primary.count, candidate: l.candidate.count }
  return {
    window: r.window,
    totals: { ...r.totals, latency: latency(r.totals.latency) },
    endpoints: r.endpoints.map((e) => ({
      ...e,
      latency: latency(e.latency),
      examples: e.examples.map(({ at: _at, ...ex }) => ex).sort((a, b) => (a.id < b.id ? -1 : 1)),
    })),
    timeline: r.timeline.reduce((sum, p) => ({ compared: sum.compared + p.compared, divergent: sum.divergent + p.divergent }), { compared: 0, divergent: 0 }),
    verdict: { ...r.verdict, latencyRatio: r.verdict.latencyRatio === null ? null : 'a number' },
    events: r.events,
  }
}

describe('a fleet of receivers, one report', () => {
  it('merging the fleet databases gives the report of one instance that saw every exchange', async () => {
    const primary = await startUpstream(service(1))
    const candidate = await startUpstream(service(2))
    const dir = tempDir()
    mkdirSync(join(dir, 'fleet'))
    const fleet = await Promise.all(['a', 'b', 'c'].map((name) => startReceiver({ primary, candidate, db: join(dir, 'fleet', `${name}.db`) })))
    const single = await startProxy({ primary, candidate, db: join(dir, 'single.db') })

    for (let i = 0; i < STREAM; i++) {
      const { method, path, id } = nth(i)
      const send = async (url: string) => {
        const res = await request(url + path, { method, headers: { 'x-request-id': id }, body: method === 'POST' ? '{"lines":[1]}' : undefined })
        await res.body.dump()
        return res.statusCode
      }
      const [fromReceiver, fromServe] = await Promise.all([send(fleet[i % 3].receiverUrl), send(single.proxyUrl)])
      expect(fromReceiver).toBe(204)
      expect(fromServe).toBe(method === 'POST' ? 201 : 200)
    }
    // close() drains every mirror and comparison and flushes the store.
    await Promise.all([...fleet.map((f) => f.app.close()), single.app.close()])

    const opts = { examplesPerEndpoint: 100, thresholds: { minSamples: 10 } }
    const merged = buildReport(resolveSources([join(dir, 'fleet')]), opts)
    const one = buildReport([join(dir, 'single.db')], opts)
    expect(merged.sources).toHaveLength(3)
    expect(comparable(merged)).toEqual(comparable(one))

    // And the shared report is the right one, not merely the same one.
    const gets = Array.from({ length: STREAM }, (_, i) => nth(i)).filter((r) => r.method === 'GET')
    const users = gets.filter((r) => r.path.startsWith('/api/users/'))
    const orders = gets.filter((r) => r.path.startsWith('/api/orders/'))
    const droppedEmail = users.filter((r) => Number(r.path.split('/').pop()) % 4 === 0)
    const failedOrders = orders.filter((r) => Number(r.path.split('/')[3].split('?')[0]) % 5 === 0)
    expect(merged.totals).toMatchObject({
      served: STREAM,
      mirrored: gets.length,
      compared: gets.length,
      notMirrored: STREAM - gets.length,
      divergent: droppedEmail.length + failedOrders.length,
      candidate5xx: failedOrders.length,
      dropped: 0,
      skipped: 0,
    })
    const byRoute = Object.fromEntries(merged.endpoints.map((e) => [`${e.method} ${e.route}`, e]))
    expect(byRoute['GET /api/users/:id'].fields).toEqual([{ field: '/email', op: 'remove', count: droppedEmail.length, noiseCount: 0, decision: 'divergent' }])
    expect(byRoute['GET /api/users/:id'].examples.map((e) => e.id).sort()).toEqual(droppedEmail.map((r) => r.id))
    expect(byRoute['GET /api/orders/:id'].candidate5xx).toBe(failedOrders.length)
    expect(byRoute['POST /api/orders'].served).toBe(STREAM - gets.length)
    expect(merged.verdict.ok).toBe(false)
    expect(merged.verdict.samples).toBe(gets.length)
  })
})

/**
 * The accounting closes in every mode and across every mode change (issue
 * 14): under load through a real proxy, every served request is exactly one
 * of compared, dropped, skipped (by reason) or not mirrored (by reason), and
 * the stored counters say the same as the live ones.
 */
import { describe, expect, it } from 'vitest'
import { request } from 'undici'
import { buildReport } from '../../src/report/build-report.js'
import { keepSending, startPair } from './promotion-kit.js'

const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0)

describe('accounting in every mode', () => {
  it('served = compared + dropped + skipped + notMirrored, per reason, through shadow, split, candidate, pinned and rollback', async () => {
    const { app, proxyUrl, db } = await startPair(
      { divergent: false, failing: false },
      { split: { stickyHeader: 'x-user', routeOverrideHeader: 'x-route-to' }, mirror: { methods: ['GET'] } },
    )
    // Three kinds of load at once: GETs, POSTs (not mirrored by method), and a tester pinned to the candidate.
    const gets = keepSending(proxyUrl)
    const posts = keepSending(proxyUrl, (i) => `/api/orders/${i % 5}`, 'POST')
    let pinned = 0
    let stopPinned = false
    const pinnedLoop = (async () => {
      while (!stopPinned) {
        const res = await request(`${proxyUrl}/api/items/1`, { headers: { 'x-route-to': 'candidate' } })
        await res.body.dump()
        pinned++
      }
    })()
    const op = { actor: 'test', cause: 'accounting' }
    const states = [
      { mode: 'shadow', reverseShadow: false },
      { mode: 'split', weight: 30, reverseShadow: true },
      { mode: 'split', weight: 30, reverseShadow: false },
      { mode: 'candidate', reverseShadow: true },
      { mode: 'candidate', reverseShadow: false },
      { mode: 'split', weight: 70, reverseShadow: true },
    ] as const
    const seen = new Set<string>()
    for (const next of states) {
      const before = app.stats.served
      app.traffic.set({ ...next }, op)
      // Each state serves some requests before the next change (counted, not timed).
      while (app.stats.served < before + 150) await new Promise((r) => setImmediate(r))
      seen.add(JSON.stringify(app.traffic.state))
    }
    const served = async (n: number) => {
      const from = app.stats.served
      while (app.stats.served < from + n) await new Promise((r) => setImmediate(r))
    }
    // A promotion's step and its abort (a rollback) under the same load.
    app.promotion.start({ steps: [20], intervalMs: 60_000 })
    await served(150)
    app.promotion.abort('accounting test')
    await served(150)
    app.traffic.set({ mode: 'split', weight: 40, reverseShadow: false }, op)
    await served(150)
    app.traffic.rollback('test', 'rollback under load')
    const before = app.stats.served
    while (app.stats.served < before + 150) await new Promise((r) => setImmediate(r))
    stopPinned = true
    await Promise.all([gets.stop(), posts.stop(), pinnedLoop])
    await app.drain()

    const s = app.stats.toJSON()
    const line = `served ${s.served} = compared ${s.compared} + dropped ${s.dropped} + skipped ${s.skipped} + notMirrored ${s.notMirrored}`
    console.log(`${line}\n  skippedBy ${JSON.stringify(s.skippedBy)}\n  droppedBy ${JSON.stringify(s.droppedBy)}\n  notMirroredBy ${JSON.stringify(s.notMirroredBy)}\n  sent: GET ${gets.sent()}, POST ${posts.sent()}, pinned ${pinned}`)
    expect(seen.size).toBe(states.length)
    expect(s.served).toBe(gets.sent() + posts.sent() + pinned)
    expect(s.served, line).toBe(s.compared + s.dropped + s.skipped + s.notMirrored)
    expect(sum(s.skippedBy)).toBe(s.skipped)
    expect(sum(s.droppedBy)).toBe(s.dropped)
    expect(sum(s.notMirroredBy)).toBe(s.notMirrored)
    // Every reason a mode can have showed up.
    expect(s.notMirroredBy.method).toBeGreaterThan(0)
    expect(s.notMirroredBy['split-no-shadow']).toBeGreaterThan(0)
    expect(s.notMirroredBy.pinned).toBeGreaterThan(0)
    // POSTs served by a split without reverse shadow count as split-no-shadow: one outcome each.
    expect(s.notMirroredBy.method).toBeLessThanOrEqual(posts.sent())

    // The store says the same.
    app.recorder.flush()
    const { totals } = buildReport([db])
    expect(totals).toMatchObject({ served: s.served, compared: s.compared, dropped: s.dropped, skipped: s.skipped, notMirrored: s.notMirrored })
    const status = app.status() as { sides: { comparing: boolean; text: string } }
    expect(status.sides).toMatchObject({ comparing: true })
  })
})


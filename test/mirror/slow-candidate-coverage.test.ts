/**
 * A slow but healthy candidate (constant 250 ms) at 800 req/s: Little's law
 * needs 200 mirrors in flight, more than a fixed limit of 128 allows (at
 * most 512 per second). The adaptive limit rises above it, and once it has
 * ramped up nearly every request is compared.
 */
import { describe, expect, it } from 'vitest'
import { json, startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { pacedLoad } from './paced-load.js'

describe('a slow but healthy candidate', () => {
  it('gets a limit well above 128 and nearly full coverage at a rate a fixed 128 could not take', async () => {
    const primary = await startUpstream((_req, res) => json(res, 200, { ok: true }))
    const candidate = await startUpstream((_req, res) => setTimeout(() => json(res, 200, { ok: true }), 250))
    const { proxyUrl, app } = await startProxy({ primary, candidate })

    let maxLimit = 0
    let mark: { served: number; lost: number } | null = null
    const lost = () => app.stats.skippedBy.adaptive + app.stats.dropped
    const load = await pacedLoad(proxyUrl, {
      rate: 800,
      durationMs: 8_000,
      path: (i) => `/items/${i % 50}`,
      onTick: (elapsed) => {
        maxLimit = Math.max(maxLimit, app.scheduler.limit)
        // The first seconds measure the no-load latency at the floor and ramp up.
        if (mark === null && elapsed >= 4_500) mark = { served: app.stats.served, lost: lost() }
      },
    })
    expect(load.ok).toBe(load.sent)
    const steady = { served: app.stats.served - mark!.served, lost: lost() - mark!.lost }
    await app.drain()

    expect(maxLimit).toBeGreaterThan(128)
    expect(app.status().mirrorControl).toMatchObject({ concurrency: 'adaptive', probing: false })
    // Near 100 % once ramped up: what is not compared is at most 5 %.
    expect(steady.served).toBeGreaterThan(1_000)
    expect(steady.lost / steady.served).toBeLessThan(0.05)
    const s = app.stats
    expect(s.compared + s.dropped + s.skipped + s.notMirrored).toBe(s.served)
    expect(s.divergent).toBe(0)
  }, 30_000)
})

import { describe, expect, it } from 'vitest'
import { request } from 'undici'
import { json, startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { ShadowdiffMetrics } from '../../src/admin/metrics.js'
import { RouteLabels } from '../../src/admin/route-labels.js'
import { parsePrometheus, valueOf } from './prometheus-text.js'

describe('metrics route labels', () => {
  it('keep the first maxRoutes routes and fold later ones into route="other"', async () => {
    const upstream = await startUpstream((req, res) => json(res, 200, { url: req.url }))
    const { proxyUrl, app } = await startProxy({ primary: upstream, candidate: upstream })
    const metrics = new ShadowdiffMetrics(app, { maxRoutes: 2, processMetrics: false })
    for (const path of ['/alpha', '/beta', '/alpha', '/gamma', '/delta', '/beta']) await (await request(proxyUrl + path)).body.dump()
    await app.drain()

    const m = parsePrometheus(await metrics.scrape())
    const compared = m.filter((s) => s.name === 'shadowdiff_compared_total')
    expect(Object.fromEntries(compared.map((s) => [s.labels.route, s.value]))).toEqual({ '/alpha': 2, '/beta': 2, other: 2 })
    expect(valueOf(m, 'shadowdiff_latency_seconds_count', { side: 'primary', route: 'other' })).toBe(2)
    // Process metrics are optional; the app's own /metrics has them, this registry does not.
    expect(m.some((s) => s.name.startsWith('nodejs_'))).toBe(false)
  })

  it('throws on a cap that is not a positive integer', () => {
    expect(() => new RouteLabels(0)).toThrow('metrics maxRoutes must be a positive integer, got 0')
  })
})

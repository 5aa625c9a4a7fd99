import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { request } from 'undici'
import type { ServerResponse } from 'node:http'
import { register as globalRegistry } from 'prom-client'
import { json, startUpstream } from '../helpers/upstream.js'
import { drainReleasing, startProxy } from '../helpers/proxy.js'
import { parsePrometheus, valueOf } from './prometheus-text.js'

async function scrape(adminUrl: string) {
  const res = await request(`${adminUrl}/metrics`)
  expect(res.statusCode).toBe(200)
  expect(res.headers['content-type']).toContain('text/plain; version=0.0.4')
  return parsePrometheus(await res.body.text())
}

describe('GET /metrics', () => {
  it('exports counts, per-route comparisons, latency histograms and the mode after traffic', async () => {
    const primary = await startUpstream((req, res) => json(res, 200, { url: req.url, v: 1 }))
    // Every candidate answer takes at least 60 ms; users 3 and 7 diverge.
    const candidate = await startUpstream((req, res) => setTimeout(() => json(res, 200, { url: req.url, v: /\/(3|7)$/.test(req.url ?? '') ? 2 : 1 }), 60))
    const { proxyUrl, adminUrl, app } = await startProxy({ primary, candidate })
    for (let i = 0; i < 10; i++) await (await request(`${proxyUrl}/api/users/${i}`)).body.dump()
    for (let i = 0; i < 3; i++) await (await request(`${proxyUrl}/api/orders`, { method: 'POST', body: '{}' })).body.dump()
    await app.drain()

    const m = await scrape(adminUrl)
    const route = '/api/users/:id'
    expect(valueOf(m, 'shadowdiff_requests_served_total')).toBe(13)
    expect(valueOf(m, 'shadowdiff_not_mirrored_total', { reason: 'method' })).toBe(3)
    expect(valueOf(m, 'shadowdiff_not_mirrored_total', { reason: 'split-no-shadow' })).toBe(0)
    expect(valueOf(m, 'shadowdiff_mirrored_total')).toBe(10)
    expect(valueOf(m, 'shadowdiff_compared_total', { method: 'GET', route })).toBe(10)
    expect(valueOf(m, 'shadowdiff_divergent_total', { method: 'GET', route })).toBe(2)
    expect(valueOf(m, 'shadowdiff_candidate_errors_total', { reason: 'status_5xx' })).toBe(0)
    expect(valueOf(m, 'shadowdiff_candidate_errors_total', { reason: 'network' })).toBe(0)
    expect(valueOf(m, 'shadowdiff_dropped_total', { reason: 'queueFull' })).toBe(0)
    expect(valueOf(m, 'shadowdiff_skipped_total', { reason: 'sampledOut' })).toBe(0)
    expect(valueOf(m, 'shadowdiff_mirror_in_flight')).toBe(0)
    expect(valueOf(m, 'shadowdiff_mirror_queued')).toBe(0)
    expect(valueOf(m, 'shadowdiff_latency_seconds_count', { side: 'primary', route })).toBe(10)
    expect(valueOf(m, 'shadowdiff_latency_seconds_count', { side: 'candidate', route })).toBe(10)
    expect(valueOf(m, 'shadowdiff_latency_seconds_bucket', { side: 'candidate', route, le: '0.05' })).toBe(0)
    expect(valueOf(m, 'shadowdiff_latency_seconds_bucket', { side: 'candidate', route, le: '+Inf' })).toBe(10)
    expect(valueOf(m, 'shadowdiff_latency_seconds_sum', { side: 'candidate', route })).toBeGreaterThanOrEqual(0.6)
    expect(valueOf(m, 'shadowdiff_mode', { mode: 'shadow' })).toBe(1)
    expect(valueOf(m, 'shadowdiff_mode', { mode: 'split' })).toBe(0)
    expect(valueOf(m, 'shadowdiff_split_weight')).toBe(0)
    expect(m.some((s) => s.name === 'nodejs_eventloop_lag_seconds')).toBe(true)
    // POSTs were not compared: no series for them.
    expect(m.filter((s) => s.name === 'shadowdiff_compared_total')).toHaveLength(1)
    // The app's own registry, never prom-client's global one.
    expect(globalRegistry.getSingleMetric('shadowdiff_compared_total')).toBeUndefined()
    expect(valueOf(m, 'shadowdiff_compare_held')).toBe(0)
    // Every metric we export is documented under its name.
    const doc = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8')
    const names = new Set(m.filter((s) => s.name.startsWith('shadowdiff_')).map((s) => s.name.replace(/_(bucket|sum|count)$/, '')))
    expect([...names].filter((name) => !doc.includes('`' + name + '`'))).toEqual([])
  })

  it('shows the bounds at work: in-flight, queued and dropped by reason, read live at scrape time', async () => {
    const held: ServerResponse[] = []
    const primary = await startUpstream((_req, res) => json(res, 200, {}))
    const candidate = await startUpstream((_req, res) => held.push(res))
    const { proxyUrl, adminUrl, app } = await startProxy({ primary, candidate, mirror: { maxInFlight: 1, maxQueue: 1, timeoutMs: 10_000, concurrency: 'fixed' } })
    for (let i = 0; i < 5; i++) await (await request(`${proxyUrl}/x/${i}`)).body.dump()

    const m = await scrape(adminUrl)
    expect(valueOf(m, 'shadowdiff_mirror_in_flight')).toBe(1)
    expect(valueOf(m, 'shadowdiff_mirror_queued')).toBe(1)
    expect(valueOf(m, 'shadowdiff_dropped_total', { reason: 'queueFull' })).toBe(3)
    expect(valueOf(m, 'shadowdiff_mirrored_total')).toBe(1)

    await drainReleasing(app, held, (res) => json(res, 200, {}))
    const after = await scrape(adminUrl)
    expect(valueOf(after, 'shadowdiff_mirror_in_flight')).toBe(0)
    expect(valueOf(after, 'shadowdiff_mirrored_total')).toBe(2)
    expect(valueOf(after, 'shadowdiff_compared_total', { method: 'GET', route: '/x/:id' })).toBe(2)
  })
})

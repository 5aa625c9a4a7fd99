import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildReport, resolveSources } from '../../src/report/build-report.js'
import { openDatabase } from '../../src/store/open-database.js'
import { Recorder } from '../../src/store/recorder.js'
import { bodyDivergence, exchange, tempDir } from '../store/fixtures.js'

describe('buildReport from one database', () => {
  it('reports totals, endpoints, fields, examples, timeline, events and a verdict', () => {
    const file = path.join(tempDir(), 'a.db')
    const recorder = new Recorder(openDatabase(file), { flushIntervalMs: 0 })
    const t0 = Date.UTC(2025, 0, 1, 12, 0, 0)
    for (let i = 0; i < 200; i++) {
      const at = t0 + i * 1000 // 200 s: minutes 12:00, 12:01, 12:02, 12:03
      recorder.count(at, 'GET', '/api/users/:id', 'served')
      recorder.count(at, 'GET', '/api/users/:id', 'mirrored')
      recorder.recordCompared(
        exchange({
          id: `e${i}`,
          at,
          url: `/api/users/${i}?x=1`,
          divergences: i % 20 === 0 ? [bodyDivergence(`/items/${i % 3}/price`, i)] : [],
          primaryLatencyMs: 10,
          candidateLatencyMs: i < 198 ? 20 : 500,
        }),
      )
    }
    recorder.count(t0, 'POST', '/api/orders', 'notMirrored', 3)
    recorder.recordEvent({ at: new Date(t0).toISOString(), type: 'mode', actor: 'admin', cause: 'test', data: { mode: 'shadow' } })
    recorder.close()

    const report = buildReport(resolveSources([path.dirname(file)]), { now: () => t0 })
    expect(report.generatedAt).toBe(new Date(t0).toISOString())
    expect(report.totals).toMatchObject({ served: 200, mirrored: 200, compared: 200, divergent: 10, divergenceRate: 0.05, notMirrored: 3 })
    expect(report.endpoints.map((e) => `${e.method} ${e.route}`)).toEqual(['GET /api/users/:id', 'POST /api/orders'])
    const users = report.endpoints[0]
    expect(users.fields).toEqual([{ field: '/items/*/price', op: 'replace', count: 10, noiseCount: 0, decision: 'divergent' }])
    expect(users.examples).toHaveLength(5)
    expect(users.examples[0]).toMatchObject({ id: 'e180', url: '/api/users/180?x=1', kinds: ['body'], primaryBody: '{"id":1}' })
    expect(users.examples[0].patch).toEqual([{ op: 'replace', path: '/items/0/price', value: 180 }])
    expect(users.latency.primary).toMatchObject({ count: 200, p50: 10, p99: 10, max: 10 })
    // 198 of 200 candidate samples at 20 ms: p99 (rank 198) is 20 ms, the max is exact.
    expect(users.latency.candidate.p50).toBeCloseTo(20, 0)
    expect(users.latency.candidate.p99).toBeCloseTo(20, 0)
    expect(users.latency.candidate.max).toBe(500)
    expect(report.timeline.map((p) => p.compared)).toEqual([60, 60, 60, 20])
    expect(report.events).toEqual([{ at: new Date(t0).toISOString(), type: 'mode', actor: 'admin', cause: 'test', data: { mode: 'shadow' } }])
    expect(report.verdict.ok).toBe(false)
    expect(report.verdict.reasons).toContain('divergence 5.0% > 1.0% (10/200)')
    expect(report.verdict.reasons).toContain('GET /api/users/:id: divergence 5.0% > 1.0% (10/200)')
  })
})

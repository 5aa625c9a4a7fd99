import path from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { buildReport } from '../../src/report/build-report.js'
import type { Report } from '../../src/report/report-types.js'
import { openDatabase } from '../../src/store/open-database.js'
import { Recorder } from '../../src/store/recorder.js'
import type { ComparedExchange, Divergence } from '../../src/types.js'
import { exchange, tempDir } from '../store/fixtures.js'

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0)
const ROUTES = [['GET', '/api/users/:id'], ['GET', '/api/orders'], ['POST', '/api/orders']] as const

interface Item {
  route: number
  second: number
  divergence: number
  primaryMs: number
  candidateMs: number
  candidateFails: boolean
  candidate5xx: boolean
}

const DIVERGENCES: Divergence[][] = [
  [],
  [{ kind: 'status', primary: 200, candidate: 404 }],
  [{ kind: 'body', ops: [{ op: 'replace', path: '/items/3/price', value: 2 }] }],
  [{ kind: 'header', name: 'etag', primary: 'a', candidate: 'b' }, { kind: 'body', ops: [{ op: 'remove', path: '/x' }] }],
]

function toExchange(item: Item, i: number): ComparedExchange {
  const [method, route] = ROUTES[item.route]
  return exchange({
    id: `id-${String(i).padStart(4, '0')}`,
    at: T0 + item.second * 1000,
    method,
    route,
    url: `${route.replace(':id', String(i))}?n=${i}`,
    divergences: DIVERGENCES[item.divergence],
    primaryLatencyMs: item.primaryMs,
    candidateLatencyMs: item.candidateMs,
    candidateStatus: item.candidate5xx ? 503 : 200,
    ...(item.candidateFails && { candidateError: 'TIMEOUT' }),
  })
}

/** Records items into `files.length` databases, item i going to file `assign(i)`. */
function record(files: string[], items: Item[], assign: (i: number) => number) {
  // Every example stored (no per-minute sampling), so both layouts hold the same exchanges.
  const recorders = files.map((f) => new Recorder(openDatabase(f), { flushIntervalMs: 0, maxExamplesPerMinute: 0 }))
  items.forEach((item, i) => {
    const r = recorders[assign(i)]
    const ex = toExchange(item, i)
    r.count(ex.at, ex.request.method, ex.route, 'served')
    r.count(ex.at, ex.request.method, ex.route, 'mirrored')
    r.recordCompared(ex)
    // Flush now and then so rows are also merged by upsert inside one file.
    if (i % 7 === 0) r.flush()
  })
  recorders[assign(0)].recordEvent({ at: new Date(T0).toISOString(), type: 'weight', actor: 'cli', cause: 'promote', data: { weight: 10 } })
  recorders[assign(1)].recordEvent({ at: new Date(T0 + 5000).toISOString(), type: 'mode', actor: 'admin', cause: 'rollback' })
  recorders.forEach((r) => r.close())
}

function comparable(r: Report) {
  const { sources: _s, generatedAt: _g, ...rest } = r
  return rest
}

const item = fc.record({
  route: fc.integer({ min: 0, max: 2 }),
  second: fc.integer({ min: 0, max: 299 }),
  divergence: fc.integer({ min: 0, max: 3 }),
  primaryMs: fc.double({ min: 0.05, max: 3000, noNaN: true }),
  candidateMs: fc.double({ min: 0.05, max: 3000, noNaN: true }),
  candidateFails: fc.boolean(),
  candidate5xx: fc.boolean(),
})

describe('buildReport over split databases', () => {
  it('equals the report of one database holding the same exchanges (except sources, generatedAt)', () => {
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 120 }), fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 120, maxLength: 120 }), (items, split) => {
        const dir = tempDir()
        const single = path.join(dir, 'single.db')
        const parts = [0, 1, 2].map((n) => path.join(dir, `part-${n}.db`))
        record([single], items, () => 0)
        record(parts, items, (i) => split[i])
        const opts = { now: () => T0, examplesPerEndpoint: 3, thresholds: { minSamples: 10 } }
        const one = buildReport([single], opts)
        const many = buildReport(parts, opts)
        expect(comparable(many)).toEqual(comparable(one))
        expect(many.totals.compared).toBe(items.length)
        // Windows merge the same way.
        const windowed = { ...opts, since: T0 + 60_000, until: T0 + 180_000 }
        expect(comparable(buildReport(parts, windowed))).toEqual(comparable(buildReport([single], windowed)))
      }),
      { numRuns: 20, seed: 20250101 },
    )
  })

  it('computes percentiles from the merged histograms, not from per-file percentiles', () => {
    const dir = tempDir()
    const a = path.join(dir, 'a.db')
    const b = path.join(dir, 'b.db')
    const base = { route: 0, second: 0, divergence: 0, candidateFails: false, candidate5xx: false }
    // File a: 90 fast samples; file b: 10 slow ones. Merged p90 is fast, p99 slow.
    const items: Item[] = [
      ...Array.from({ length: 90 }, () => ({ ...base, primaryMs: 10, candidateMs: 10 })),
      ...Array.from({ length: 10 }, () => ({ ...base, primaryMs: 10, candidateMs: 1000 })),
    ]
    record([a, b], items, (i) => (i < 90 ? 0 : 1))
    const report = buildReport([a, b], {})
    const lat = report.endpoints[0].latency.candidate
    expect(lat.count).toBe(100)
    expect(lat.p50).toBeCloseTo(10, 0)
    expect(lat.p90).toBeCloseTo(10, 0)
    expect(lat.p99 / 1000).toBeCloseTo(1, 1)
    expect(lat.max).toBe(1000)
    // The per-file p99 of file a alone is the fast value: a merge of percentiles could not give 1000.
    expect(buildReport([a], {}).endpoints[0].latency.candidate.p99).toBeCloseTo(10, 0)
  })
})

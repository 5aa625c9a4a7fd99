/**
 * The Argo Rollouts Web metric provider contract: `GET /api/gate` on the
 * admin port answers 200 with `{ data: { ok, … } }` whatever the verdict
 * (Argo counts a non-2xx as a measurement Error, not a Failure), so an
 * AnalysisTemplate with `jsonPath: "{$.data}"` and `successCondition:
 * result.ok` works. Thresholds come from the config, then query parameters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { same, scratchDir, startShadow, type Started } from './record-traffic.js'

const { dir, cleanup } = scratchDir()
let divergent: Started
let locked: Started
const TOKEN = 'argo-analysis-token'

beforeAll(async () => {
  ;[divergent, locked] = await Promise.all([
    startShadow(dir, 'divergent', {
      primary: same,
      candidate: (path) => (path.startsWith('/api/orders') ? { body: { path, name: 'Bob', tags: ['a', 'b'] } } : same(path)),
    }),
    startShadow(dir, 'locked', { primary: same, candidate: same }, { adminToken: TOKEN, gate: { minSamples: 5 } }),
  ])
  await Promise.all([
    divergent.send({ '/api/users/1': 15, '/api/users/2': 15, '/api/orders/7': 10 }),
    locked.send({ '/api/users/1': 5 }),
  ])
})
afterAll(async () => {
  await Promise.all([divergent?.close(), locked?.close()])
  cleanup()
})

/** What Argo does with the answer: `jsonPath: "{$.data}"` makes `result`, `successCondition: result.ok` judges it. */
async function measure(base: string, query = '', headers: Record<string, string> = {}) {
  const res = await request(`${base}/api/gate${query}`, { headers })
  const text = await res.body.text()
  const body = JSON.parse(text)
  return { status: res.statusCode, type: res.headers['content-type'], body, result: body.data, success: body.data?.ok === true }
}

describe('GET /api/gate for Argo Rollouts', () => {
  it('answers 200 with data.ok false and the reasons when the candidate diverges', async () => {
    const m = await measure(divergent.adminUrl)
    expect(m.status).toBe(200)
    expect(m.type).toMatch(/^application\/json/)
    expect(m.success).toBe(false)
    expect(m.result).toEqual({
      ok: false,
      verdict: 'fail',
      // Every verdict says what it judged (issue 14).
      window: { since: null, until: null, exact: true },
      counts: { served: 40, compared: 40, divergent: 10, candidateErrors: 0, dropped: 0, skipped: 0, notMirrored: 0 },
      enoughSamples: false,
      divergenceRate: 0.25,
      errorRate: 0,
      latencyRatio: expect.any(Number),
      samples: 40,
      reasons: [
        'too few samples: 40 compared < 100 required (minSamples)',
        'divergence 25.0% > 1.0% (10/40)',
        'GET /api/orders/:id: divergence 100.0% > 1.0% (10/10)',
      ],
      failingEndpoints: [{ method: 'GET', route: '/api/orders/:id', reasons: ['divergence 100.0% > 1.0% (10/10)'] }],
    })
  })

  it('takes thresholds from query parameters, camelCase or flag spelling, rates or percentages', async () => {
    const loose = await measure(divergent.adminUrl, '?maxDivergence=0.5&minSamples=10')
    expect(loose.status).toBe(200)
    expect(loose.success).toBe(false)
    // The per-endpoint limit follows maxDivergence unless given: 100% > 50%, not > 0%.
    expect(loose.result.reasons).toEqual(['GET /api/orders/:id: divergence 100.0% > 50.0% (10/10)'])
    expect(loose.result.enoughSamples).toBe(true)

    const pass = await measure(divergent.adminUrl, '?max-divergence=30%25&min-samples=40&maxEndpointDivergence=100%25')
    expect(pass).toMatchObject({ status: 200, success: true, result: { ok: true, reasons: [], samples: 40, enoughSamples: true } })
  })

  it('judges only the window asked for: ?last includes recent traffic, ?until in the past has no samples', async () => {
    const recent = await measure(divergent.adminUrl, '?last=10m&minSamples=40&maxDivergence=1')
    expect(recent).toMatchObject({ success: true, result: { samples: 40 } })
    const past = await measure(divergent.adminUrl, '?until=2020-01-01T00:00:00Z&minSamples=1')
    expect(past).toMatchObject({ status: 200, success: false, result: { samples: 0, enoughSamples: false, reasons: ['too few samples: 0 compared < 1 required (minSamples)'] } })
  })

  it('sees traffic compared since the last call without waiting for the store to flush', async () => {
    const before = (await measure(divergent.adminUrl, '?minSamples=1')).result.samples
    await divergent.send({ '/api/users/3': 2 })
    expect((await measure(divergent.adminUrl, '?minSamples=1')).result.samples).toBe(before + 2)
  })

  it('answers 400 naming the parameter when a threshold or window is malformed', async () => {
    for (const [query, message] of [
      ['?maxDivergence=lots', "maxDivergence: expected a rate from 0 to 1 (or a percentage like 1%), got 'lots'"],
      ['?maxDivergence=', "maxDivergence: expected a rate from 0 to 1 (or a percentage like 1%), got ''"],
      ['?min-samples=-3', "min-samples: expected a whole number ≥ 0, got '-3'"],
      ['?last=yesterday', "--last: expected a duration like 30s, 15m or 2h, got 'yesterday'"],
    ]) {
      const res = await request(`${divergent.adminUrl}/api/gate${query}`)
      expect(res.statusCode, query).toBe(400)
      expect(await res.body.json()).toEqual({ error: { code: 'SHD_USAGE', message } })
    }
  })

  it('uses the config gate section, and the bearer token the AnalysisTemplate sends as a header', async () => {
    const anonymous = await request(`${locked.adminUrl}/api/gate`)
    expect(anonymous.statusCode).toBe(401)
    await anonymous.body.dump()
    const m = await measure(locked.adminUrl, '', { authorization: `Bearer ${TOKEN}` })
    // gate.minSamples 5 from the config: 5 equal exchanges pass.
    expect(m).toMatchObject({ status: 200, success: true, result: { ok: true, samples: 5, reasons: [] } })
  })
})

/**
 * The Flagger webhook contract. Flagger POSTs `{ name, namespace, phase,
 * metadata }` (metadata: strings) and reads the status only: 200–202 passes.
 * - `POST /api/gate/flagger` (confirm-rollout, pre-rollout, rollout,
 *   confirm-promotion hooks): 200 proceeds, 403 halts, reasons in the body.
 * - `POST /api/gate/flagger/rollback` (rollback hook): 200 rolls the canary
 *   back, only on a threshold breach over enough samples; otherwise 409.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { same, scratchDir, startShadow, type Started } from './record-traffic.js'

const { dir, cleanup } = scratchDir()
let divergent: Started
let equal: Started
let floored: Started
let locked: Started
const TOKEN = 'flagger-webhook-token'
const TRAFFIC = { '/api/users/1': 15, '/api/users/2': 15, '/api/orders/7': 10 }

beforeAll(async () => {
  ;[divergent, equal, floored, locked] = await Promise.all([
    startShadow(dir, 'divergent', {
      primary: same,
      candidate: (path) => (path.startsWith('/api/orders') ? { body: { path, name: 'Bob', tags: ['a', 'b'] } } : same(path)),
    }),
    startShadow(dir, 'equal', { primary: same, candidate: same }),
    // An explicit per-endpoint floor in the config: the users endpoint needs 1000 samples to be judged.
    startShadow(dir, 'floored', { primary: same, candidate: same }, { gate: { minSamples: 10, endpoints: { '/api/users/:id': { minEndpointSamples: 1000 } } } }),
    startShadow(dir, 'locked', { primary: same, candidate: same }, { adminToken: TOKEN, gate: { minSamples: 5 } }),
  ])
  await Promise.all([divergent.send(TRAFFIC), equal.send(TRAFFIC), floored.send(TRAFFIC), locked.send({ '/api/users/1': 5 })])
})
afterAll(async () => {
  await Promise.all([divergent?.close(), equal?.close(), floored?.close(), locked?.close()])
  cleanup()
})

/** What Flagger sends (pkg/controller/webhook.go: POST, application/json, CanaryWebhookPayload). */
function payload(metadata: Record<string, string> = {}, phase = 'Progressing') {
  return JSON.stringify({ name: 'checkout', namespace: 'shop', phase, metadata })
}

async function hook(base: string, path: string, body?: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const res = await request(`${base}${path}`, { method: 'POST', body, headers })
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> }
}

describe('POST /api/gate/flagger', () => {
  it('halts with 403 and the reasons when the candidate diverges, proceeds with 200 when it does not', async () => {
    const [halt, go] = await Promise.all([
      hook(divergent.adminUrl, '/api/gate/flagger', payload({ minSamples: '40' })),
      hook(equal.adminUrl, '/api/gate/flagger', payload({ minSamples: '40' })),
    ])
    expect(halt.status).toBe(403)
    expect(halt.body).toMatchObject({
      ok: false,
      samples: 40,
      reasons: ['divergence 25.0% > 1.0% (10/40)', 'GET /api/orders/:id: divergence 100.0% > 1.0% (10/10)'],
    })
    expect(go).toMatchObject({ status: 200, body: { ok: true, samples: 40, reasons: [] } })
  })

  it('reads thresholds and the window from metadata, ignores metadata meant for other tools, and lets the query win', async () => {
    const rescued = await hook(
      divergent.adminUrl,
      '/api/gate/flagger',
      payload({ maxDivergence: '0.3', 'max-endpoint-divergence': '100%', minSamples: '10', last: '10m', cmd: 'hey -z 1m http://checkout-canary', type: 'cmd' }),
    )
    expect(rescued).toMatchObject({ status: 200, body: { ok: true, samples: 40 } })
    const queryWins = await hook(divergent.adminUrl, '/api/gate/flagger?max-divergence=0.2', payload({ maxDivergence: '0.3', maxEndpointDivergence: '1', minSamples: '10' }))
    expect(queryWins).toMatchObject({ status: 403, body: { reasons: ['divergence 25.0% > 20.0% (10/40)'] } })
  })

  it('accepts a bare POST (no body, or a body of another type) and refuses malformed JSON or metadata with 400', async () => {
    const bare = await hook(equal.adminUrl, '/api/gate/flagger?minSamples=40', undefined, {})
    expect(bare.status).toBe(200)
    const emptyJson = await hook(equal.adminUrl, '/api/gate/flagger?minSamples=40', '', { 'content-type': 'application/json' })
    expect(emptyJson.status).toBe(200)
    const formEmpty = await hook(equal.adminUrl, '/api/gate/flagger?minSamples=40', '{}', { 'content-type': 'application/x-www-form-urlencoded' })
    expect(formEmpty.status).toBe(200)

    const broken = await hook(equal.adminUrl, '/api/gate/flagger', '{"name": ')
    expect(broken.status).toBe(400)
    expect(broken.body).toMatchObject({ error: { code: 'SHD_BAD_REQUEST', message: expect.stringContaining("body: expected Flagger's JSON payload") } })
    const badMeta = await hook(equal.adminUrl, '/api/gate/flagger', JSON.stringify({ name: 'x', metadata: ['maxDivergence'] }))
    expect(badMeta.status).toBe(400)
    expect(badMeta.body).toMatchObject({ error: { message: expect.stringContaining('body.metadata: expected a mapping of strings') } })
    const badValue = await hook(equal.adminUrl, '/api/gate/flagger', payload({ maxDivergence: 'lots' }))
    expect(badValue).toMatchObject({ status: 400, body: { error: { code: 'SHD_USAGE', message: "maxDivergence: expected a rate from 0 to 1 (or a percentage like 1%), got 'lots'" } } })
  })
})

describe('POST /api/gate/flagger/rollback', () => {
  it('answers 200 (roll back) on a threshold breach over enough samples', async () => {
    const r = await hook(divergent.adminUrl, '/api/gate/flagger/rollback', payload({ minSamples: '40' }, 'Progressing'))
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ rollback: true, ok: false, reasons: expect.arrayContaining(['divergence 25.0% > 1.0% (10/40)']) })
  })

  it('answers non-2xx (keep going) when the candidate passes', async () => {
    const r = await hook(equal.adminUrl, '/api/gate/flagger/rollback', payload({ minSamples: '40' }, 'Waiting'))
    expect(r.status).toBe(409)
    expect(r.body).toMatchObject({ rollback: false, ok: true })
  })

  it('does not roll back on too few samples, overall or on an endpoint with its own floor: no evidence is not a failure', async () => {
    const overall = await hook(divergent.adminUrl, '/api/gate/flagger/rollback', payload())
    expect(overall.status).toBe(409)
    expect(overall.body).toMatchObject({ rollback: false, ok: false, enoughSamples: false })

    // The config's floor fails the gate (halt) but is no reason to roll back.
    const [halt, keep] = await Promise.all([hook(floored.adminUrl, '/api/gate/flagger', payload()), hook(floored.adminUrl, '/api/gate/flagger/rollback', payload())])
    expect(halt).toMatchObject({ status: 403, body: { reasons: ['GET /api/users/:id: too few samples: 30 compared < 1000 required (minEndpointSamples)'] } })
    expect(keep).toMatchObject({ status: 409, body: { rollback: false, ok: false, enoughSamples: true } })
  })
})

describe('Flagger webhooks with an admin token', () => {
  it('take the token from metadata.token (Flagger cannot send headers) or the Authorization header', async () => {
    const [none, wrong, inMetadata, inHeader, rollback] = await Promise.all([
      hook(locked.adminUrl, '/api/gate/flagger', payload()),
      hook(locked.adminUrl, '/api/gate/flagger', payload({ token: 'guess' })),
      hook(locked.adminUrl, '/api/gate/flagger', payload({ token: TOKEN })),
      hook(locked.adminUrl, '/api/gate/flagger', payload(), { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }),
      hook(locked.adminUrl, '/api/gate/flagger/rollback', payload({ token: 'guess' })),
    ])
    expect(none).toMatchObject({ status: 401, body: { error: { code: 'SHD_UNAUTHORIZED' } } })
    expect(wrong.status).toBe(401)
    expect(rollback.status).toBe(401)
    expect(inMetadata).toMatchObject({ status: 200, body: { ok: true, samples: 5 } })
    expect(inHeader).toMatchObject({ status: 200, body: { ok: true, samples: 5 } })
  })

  it('does not open any other route to a token in the body', async () => {
    const res = await request(`${locked.adminUrl}/api/rollback`, { method: 'POST', body: payload({ token: TOKEN }), headers: { 'content-type': 'application/json' } })
    expect(res.statusCode).toBe(401)
    await res.body.dump()
  })
})

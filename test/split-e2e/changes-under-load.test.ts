import { describe, expect, it } from 'vitest'
import { Agent, request } from 'undici'
import { json, startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'

async function put(adminUrl: string, body: unknown) {
  const res = await request(adminUrl + '/api/split', { method: 'PUT', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
  expect(res.statusCode).toBe(200)
  return res.body.json()
}

describe('mode and weight changes under load', () => {
  it('never fails a client request while the split moves, and each response names its side', async () => {
    const primary = await startUpstream((_req, res) => json(res, 200, { side: 'primary' }))
    const candidate = await startUpstream((_req, res) => json(res, 200, { side: 'candidate' }))
    const { proxyUrl, adminUrl, app } = await startProxy({ primary, candidate, split: { stickyCookie: 'sid' } })
    const agent = new Agent({ connections: 8 })
    let stop = false
    let failed = 0
    let mismatched = 0
    const seen = { primary: 0, candidate: 0 }
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const res = await request(`${proxyUrl}/x`, { dispatcher: agent, headers: { cookie: `theme=dark; sid=u${w}-${i % 100}` } })
        const body = (await res.body.json()) as { side: 'primary' | 'candidate' }
        if (res.statusCode !== 200) failed++
        if (res.headers['x-shadowdiff-served-by'] !== body.side) mismatched++
        seen[body.side]++
      }
    }
    const workers = Array.from({ length: 8 }, (_, w) => worker(w))
    const waitFor = async (n: number) => {
      const target = seen.primary + seen.candidate + n
      while (seen.primary + seen.candidate < target) await new Promise((r) => setImmediate(r))
    }
    await waitFor(200)
    for (const state of [
      { mode: 'split', weight: 5 },
      { mode: 'split', weight: 25 },
      { mode: 'split', weight: 50.5 },
      { mode: 'candidate' },
      { mode: 'split', weight: 10, reverseShadow: false },
      { mode: 'shadow' },
    ]) {
      await put(adminUrl, state)
      await waitFor(200)
    }
    const rollback = await request(adminUrl + '/api/rollback', { method: 'POST' })
    expect(rollback.statusCode).toBe(200)
    await rollback.body.dump()
    await waitFor(100)
    stop = true
    await Promise.all(workers)
    await agent.close()
    expect(failed).toBe(0)
    expect(mismatched).toBe(0)
    expect(seen.candidate).toBeGreaterThan(100)
    await app.drain()
    // Reverse shadow kept comparing while the candidate served.
    expect(app.stats.compared).toBeGreaterThan(0)
    expect(app.stats.divergent).toBe(app.stats.compared)
  })

  it('rejects an invalid split with 400 naming the key, and keeps the old state', async () => {
    const up = await startUpstream((_req, res) => json(res, 200, {}))
    const { adminUrl, app } = await startProxy({ primary: up, candidate: up })
    const res = await request(adminUrl + '/api/split', { method: 'PUT', body: JSON.stringify({ mode: 'split', weight: 150 }), headers: { 'content-type': 'application/json' } })
    expect(res.statusCode).toBe(400)
    const body = (await res.body.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('SHD_BAD_REQUEST')
    expect(body.error.message).toMatch(/weight/)
    expect(body.error.message).toMatch(/150/)
    expect(app.traffic.state.mode).toBe('shadow')
  })
})

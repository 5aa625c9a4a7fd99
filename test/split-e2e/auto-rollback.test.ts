import { describe, expect, it } from 'vitest'
import { Agent, request } from 'undici'
import { json, startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'

describe('automatic rollback inside the proxy', () => {
  it('returns to shadow as soon as the candidate 5xx rate over the window exceeds the threshold, and records why', async () => {
    let failing = false
    const primary = await startUpstream((_req, res) => json(res, 200, { ok: true }))
    const candidate = await startUpstream((_req, res) => json(res, failing ? 503 : 200, { ok: !failing }))
    const { proxyUrl, adminUrl, app } = await startProxy({
      primary,
      candidate,
      split: { stickyHeader: 'x-user', rollbackWindowMs: 10_000, rollbackMaxFailureRate: 0.1, rollbackMinRequests: 20 },
    })
    const set = await request(adminUrl + '/api/split', { method: 'PUT', body: JSON.stringify({ mode: 'split', weight: 50 }), headers: { 'content-type': 'application/json' } })
    expect(set.statusCode).toBe(200)
    await set.body.dump()

    const agent = new Agent({ connections: 8 })
    let failingSince = 0
    let rolledBackAt = 0
    let served = 0
    const worker = async (w: number) => {
      for (let i = 0; i < 3000 && rolledBackAt === 0; i++) {
        const res = await request(`${proxyUrl}/x`, { dispatcher: agent, headers: { 'x-user': `u${w}-${i}` } })
        await res.body.dump()
        served++
        if (served === 200 && !failing) {
          failing = true
          failingSince = performance.now()
        }
        if (failing && app.traffic.state.mode === 'shadow' && rolledBackAt === 0) rolledBackAt = performance.now()
      }
    }
    await Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)))
    await agent.close()
    expect(app.traffic.state.mode).toBe('shadow')
    const rollbackMs = rolledBackAt - failingSince
    console.log(`[split] automatic rollback ${rollbackMs.toFixed(0)} ms after the candidate started failing`)
    expect(rollbackMs).toBeLessThan(2_000)
    const events = (await (await request(adminUrl + '/api/events')).body.json()) as { type: string; actor: string; cause: string }[]
    const rollback = events.find((e) => e.type === 'rollback')
    expect(rollback?.actor).toBe('rollback-monitor')
    expect(rollback?.cause).toMatch(/candidate 5xx\/timeout rate .* > 10%/)
  })
})

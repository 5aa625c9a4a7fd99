import { describe, expect, it } from 'vitest'
import { request } from 'undici'
import type { ServerResponse } from 'node:http'
import { json, startUpstream } from '../helpers/upstream.js'
import { drainReleasing, startProxy } from '../helpers/proxy.js'

describe('mirror overflow', () => {
  it('drops and counts mirrors beyond in-flight + queue bounds, without delaying the client', async () => {
    const held: ServerResponse[] = []
    const primary = await startUpstream((_req, res) => json(res, 200, { ok: true }))
    // The candidate holds every request until released.
    const candidate = await startUpstream((_req, res) => held.push(res))
    const { proxyUrl, adminUrl, app } = await startProxy({ primary, candidate, mirror: { maxInFlight: 2, maxQueue: 3, timeoutMs: 10_000, concurrency: 'fixed' } })

    const started = performance.now()
    for (let i = 0; i < 20; i++) {
      const res = await request(`${proxyUrl}/item/${i}`)
      expect(res.statusCode).toBe(200)
      await res.body.dump()
    }
    const elapsed = performance.now() - started
    expect(elapsed).toBeLessThan(2_000)
    expect(app.scheduler.inFlight).toBe(2)
    expect(app.scheduler.queued).toBe(3)
    expect(app.stats.dropped).toBe(15)
    expect(app.stats.droppedBy.queueFull).toBe(15)

    const status = (await (await request(adminUrl + '/api/status')).body.json()) as Record<string, number>
    expect(status.dropped).toBe(15)
    expect(status.inFlight).toBe(2)
    expect(status.queued).toBe(3)

    // Release the candidate: the 5 admitted mirrors complete and are compared.
    await drainReleasing(app, held, (res) => json(res, 200, { ok: true }))
    expect(app.stats.compared).toBe(5)
    expect(app.stats.served).toBe(20)
    expect(app.stats.compared + app.stats.dropped + app.stats.skipped + app.stats.notMirrored).toBe(app.stats.served)
  })
})

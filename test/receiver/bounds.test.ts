import { describe, expect, it } from 'vitest'
import { request } from 'undici'
import type { ServerResponse } from 'node:http'
import { json, startUpstream } from '../helpers/upstream.js'
import { startReceiver } from './start-receiver.js'
import { drainReleasing } from '../helpers/proxy.js'

async function send(url: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await request(`${url}/item/${i}`)
    expect(res.statusCode).toBe(204)
    await res.body.dump()
  }
}

describe('receiver bounds', () => {
  it('drops and counts copies beyond in-flight + queue, as serve does, and the accounting closes', async () => {
    const held: ServerResponse[] = []
    const primary = await startUpstream((_req, res) => json(res, 200, { ok: true }))
    const candidate = await startUpstream((_req, res) => held.push(res))
    const { receiverUrl, app } = await startReceiver({ primary, candidate, mirror: { maxInFlight: 2, maxQueue: 3, timeoutMs: 10_000, concurrency: 'fixed' } })

    const started = performance.now()
    await send(receiverUrl, 20)
    expect(performance.now() - started).toBeLessThan(2_000)
    expect(app.scheduler.inFlight).toBe(2)
    expect(app.scheduler.queued).toBe(3)
    expect(app.stats.droppedBy.queueFull).toBe(15)

    await drainReleasing(app, held, (res) => json(res, 200, { ok: true }))
    expect(app.stats.compared).toBe(5)
    expect(app.stats.served).toBe(20)
    expect(app.stats.compared + app.stats.dropped + app.stats.skipped + app.stats.notMirrored).toBe(app.stats.served)
  })

  it('holds the slot until every side answered: a slow primary replica counts against the bound and drain waits for it', async () => {
    const held: ServerResponse[] = []
    const primary = await startUpstream((_req, res) => held.push(res))
    const candidate = await startUpstream((_req, res) => json(res, 200, { ok: true }))
    const { receiverUrl, app } = await startReceiver({ primary, candidate, mirror: { maxInFlight: 2, maxQueue: 0, timeoutMs: 10_000, concurrency: 'fixed' } })

    await send(receiverUrl, 4)
    // The candidate answered at once, but the primary has not: still 2 in flight, so 2 dropped.
    expect(app.scheduler.inFlight).toBe(2)
    expect(app.stats.droppedBy.queueFull).toBe(2)

    let drained = false
    const drain = app.drain().then(() => (drained = true))
    await new Promise((r) => setImmediate(r))
    expect(drained).toBe(false)
    const release = setInterval(() => {
      for (const res of held.splice(0)) json(res, 200, { ok: true })
    }, 5)
    await drain
    clearInterval(release)
    expect(app.stats.compared).toBe(2)
  })
})

import { describe, expect, it } from 'vitest'
import type { ServerResponse } from 'node:http'
import { Agent } from 'undici'
import { startUpstream } from '../helpers/upstream.js'
import { drainReleasing, startProxy } from '../helpers/proxy.js'
import { expectAccountingCloses, getPrimaryBytes, ledger, primaryHandler, useLedger } from './fault-kit.js'

useLedger(import.meta.filename)

describe('a flood of requests while the candidate answers slowly', () => {
  it('serves every client from the primary at primary speed; mirrors beyond the bounds are dropped and counted', async () => {
    ledger.fault()
    const primary = await startUpstream(primaryHandler)
    // Headers and the first bytes at once; the rest only when the test releases it.
    const held: ServerResponse[] = []
    let twoHeld!: () => void
    const bothArrived = new Promise<void>((resolve) => (twoHeld = resolve))
    const candidate = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.write('slow')
      if (held.push(res) === 2) twoHeld()
    })
    const { proxyUrl, app } = await startProxy({ primary, candidate, mirror: { maxInFlight: 2, maxQueue: 2, timeoutMs: 20_000, concurrency: 'fixed' } })
    const N = 60
    const agent = new Agent({ connections: 30 })
    const started = performance.now()
    const latencies: number[] = []
    await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const t = performance.now()
        await getPrimaryBytes(`${proxyUrl}/flood/${i}`, { dispatcher: agent })
        latencies.push(performance.now() - t)
      }),
    )
    const elapsed = performance.now() - started
    await agent.close()
    // Every client was answered while the candidate had finished nothing:
    // the client's path never waits for a mirror. 2 in flight + 2 queued
    // were admitted, the other mirrors were dropped. (The two admitted calls
    // may reach the candidate after the clients are answered.)
    await bothArrived
    expect(held).toHaveLength(2)
    expect(app.scheduler.inFlight).toBe(2)
    expect(app.scheduler.queued).toBe(2)
    expect(app.stats.dropped).toBe(N - 4)
    expect(app.stats.droppedBy.queueFull).toBe(N - 4)
    await drainReleasing(app, held, (res) => res.end(' answer'))
    expect(app.stats.served).toBe(N)
    expect(app.stats.compared).toBe(4)
    expect(app.scheduler.inFlight + app.scheduler.queued).toBe(0)
    expectAccountingCloses(app)
    latencies.sort((a, b) => a - b)
    console.log(`slow flood: ${N} requests in ${elapsed.toFixed(0)} ms, p50 ${latencies[N >> 1].toFixed(0)} ms, max ${latencies[N - 1].toFixed(0)} ms, dropped ${app.stats.dropped}`)
  })
})

/**
 * The mirror memory budget with large bodies: what queued and in-flight
 * mirrors hold (request copies, captured primary bodies, capture buffers) is
 * counted in bytes, and never exceeds `--mirror-memory`, whatever the
 * in-flight limit or the queue would allow in requests. Clients are served
 * in full all along.
 */
import { describe, expect, it } from 'vitest'
import { request } from 'undici'
import type { ServerResponse } from 'node:http'
import { startUpstream } from '../helpers/upstream.js'
import { drainReleasing, startProxy } from '../helpers/proxy.js'

const KiB = 1024
const BODY = Buffer.alloc(200 * KiB, 'x')

function big(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length })
  res.end(BODY)
}

describe('mirror memory budget', () => {
  it('holds at most what 2 MiB allows of 200 KiB exchanges, drops the rest as queueFull, and frees it all when they settle', async () => {
    const held: ServerResponse[] = []
    const primary = await startUpstream((_req, res) => big(res))
    // The candidate holds every request: each mirror stays in the budget.
    const candidate = await startUpstream((_req, res) => held.push(res))
    // In requests the bounds would take 128 + 512; in bytes 2 MiB takes a handful.
    const { proxyUrl, app, adminUrl } = await startProxy({ primary, candidate, mirror: { memoryMb: 2, maxInFlight: 128, maxQueue: 512, timeoutMs: 20_000 } })
    const budget = 2 * 1024 * KiB

    let peak = 0
    for (let i = 0; i < 40; i++) {
      const res = await request(`${proxyUrl}/file/${i}`)
      expect(res.statusCode).toBe(200)
      expect((await res.body.arrayBuffer()).byteLength).toBe(BODY.length)
      peak = Math.max(peak, app.scheduler.memoryBytes)
    }
    const taken = app.scheduler.inFlight + app.scheduler.queued
    // Each holds the primary's 200 KiB capture and a candidate reservation of the same.
    expect(taken).toBeGreaterThanOrEqual(3)
    expect(taken).toBeLessThanOrEqual(5)
    expect(peak).toBeLessThanOrEqual(budget)
    expect(app.stats.droppedBy.queueFull).toBe(40 - taken)
    const status = (await (await request(`${adminUrl}/api/status`)).body.json()) as { mirrorControl: { memoryBytes: number; memoryBudgetBytes: number } }
    expect(status.mirrorControl.memoryBudgetBytes).toBe(budget)
    expect(status.mirrorControl.memoryBytes).toBe(app.scheduler.memoryBytes)
    expect(status.mirrorControl.memoryBytes).toBeGreaterThan(taken * 2 * 200 * KiB)

    await drainReleasing(app, held, big)
    expect(app.scheduler.memoryBytes).toBe(0)
    expect(app.stats.compared).toBe(taken)
    expect(app.stats.divergent).toBe(0)
    const s = app.stats
    expect(s.compared + s.dropped + s.skipped + s.notMirrored).toBe(s.served)
  })

  it('caps the adaptive limit at what the budget holds, with a healthy candidate and large bodies', async () => {
    const primary = await startUpstream((_req, res) => big(res))
    const candidate = await startUpstream((_req, res) => setTimeout(() => big(res), 50))
    const { proxyUrl, app } = await startProxy({ primary, candidate, mirror: { memoryMb: 4 } })
    let peak = 0
    // 16 clients at once: more mirrors than 4 MiB can hold at 400 KiB each.
    await Promise.all(
      Array.from({ length: 16 }, async (_, c) => {
        for (let i = 0; i < 15; i++) {
          const res = await request(`${proxyUrl}/file/${c}-${i}`)
          await res.body.dump()
          peak = Math.max(peak, app.scheduler.memoryBytes)
        }
      }),
    )
    await app.drain()
    expect(peak).toBeLessThanOrEqual(4 * 1024 * KiB)
    // The budget holds 9 such exchanges: the limit follows it, whatever latency says.
    expect(app.scheduler.limit).toBeLessThanOrEqual(10)
    expect(app.stats.compared).toBeGreaterThan(0)
    expect(app.scheduler.memoryBytes).toBe(0)
    const s = app.stats
    expect(s.compared + s.dropped + s.skipped + s.notMirrored).toBe(s.served)
  })
})

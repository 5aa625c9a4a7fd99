/**
 * The benchmark's workloads are what they claim to be (bench/upstreams.js):
 * the differing candidate changes exactly one field of the primary's body,
 * the slow one answers after its delay, the stalled one never answers.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { describe, expect, it, onTestFinished } from 'vitest'

const script = fileURLToPath(new URL('../../bench/upstreams.js', import.meta.url))

async function upstream(mode: string, ...args: string[]): Promise<string> {
  const child = spawn(process.execPath, [script, mode, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  onTestFinished(() => { child.kill() })
  const [chunk] = (await once(child.stdout, 'data')) as [Buffer]
  const { port } = JSON.parse(chunk.toString()) as { port: number }
  return `http://127.0.0.1:${port}`
}

async function getJson(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url)
  expect(res.status).toBe(200)
  return (await res.json()) as Record<string, unknown>
}

describe('bench upstreams', () => {
  it('differ changes exactly one top-level field of the same body', async () => {
    const [same, differ] = await Promise.all([upstream('same'), upstream('differ')])
    const a = await getJson(`${same}/orders/1`)
    const b = await getJson(`${differ}/orders/1`)
    const changed = Object.keys(a).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
    expect(changed).toEqual(['status'])
    expect(Object.keys(b)).toEqual(Object.keys(a))
  })

  it('slow answers the same body after its delay', async () => {
    const slow = await upstream('slow', '--delay', '80')
    const started = performance.now()
    await getJson(slow)
    expect(performance.now() - started).toBeGreaterThanOrEqual(75)
  })

  it('stalled accepts the request and never answers', async () => {
    const stalled = await upstream('stalled')
    await expect(fetch(stalled, { signal: AbortSignal.timeout(300) })).rejects.toThrow(/timeout|aborted/i)
  })

  it('knee answers after delay + per-request × the requests it holds, and reports what it gave', async () => {
    const knee = await upstream('knee', '--delay', '20', '--per-request', '10')
    const started = performance.now()
    // Four at once: the fourth waits 20 + 4 × 10 ms.
    await Promise.all(Array.from({ length: 4 }, () => getJson(`${knee}/orders/1`)))
    expect(performance.now() - started).toBeGreaterThanOrEqual(55)
    const stats = await getJson(`${knee}/__bench/stats`)
    expect(stats).toMatchObject({ requests: 4, maxHeld: 4, unloadedMs: 30, meanMs: 45 })
    // The call reset it.
    expect(await getJson(`${knee}/__bench/stats`)).toMatchObject({ requests: 0, maxHeld: 0 })
  })

  it('slow-route is slow only under /orders/slow/', async () => {
    const up = await upstream('slow-route', '--delay', '80', '--per-request', '0')
    let started = performance.now()
    const fast = await getJson(`${up}/orders/1`)
    expect(performance.now() - started).toBeLessThan(70)
    started = performance.now()
    expect(await getJson(`${up}/orders/slow/1`)).toEqual(fast)
    expect(performance.now() - started).toBeGreaterThanOrEqual(75)
    expect(await getJson(`${up}/__bench/stats`)).toMatchObject({ requests: 1, unloadedMs: 80 })
  })

  it('rejects an unknown mode with a clear message', async () => {
    const child = spawn(process.execPath, [script, 'bogus'], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
    const [code] = (await once(child, 'exit')) as [number]
    expect(code).toBe(2)
    expect(stderr).toContain("mode must be one of same, differ, slow, stalled, knee, slow-route, got 'bogus'")
  })
})

import { describe, expect, it } from 'vitest'
import { Agent, request } from 'undici'
import { json, startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { runCli } from '../helpers/cli.js'

/** Keeps sticky-keyed traffic flowing through the proxy until stopped. */
function keepTraffic(proxyUrl: string) {
  const agent = new Agent({ connections: 4 })
  let stop = false
  let failed = 0
  let sent = 0
  const loop = async (w: number) => {
    for (let i = 0; !stop; i++) {
      const res = await request(`${proxyUrl}/api/items/${i % 20}`, { dispatcher: agent, headers: { 'x-user': `user-${w}-${i % 50}` } })
      await res.body.dump()
      sent++
      if (res.statusCode !== 200) failed++
    }
  }
  const loops = [0, 1, 2, 3].map(loop)
  return {
    stats: () => ({ sent, failed }),
    async stop() {
      stop = true
      await Promise.all(loops)
      await agent.close()
    },
  }
}

describe('shadowdiff promote (CLI) against a running proxy', () => {
  it('promotes a good candidate step by step to 100%, then rolls back with one call', async () => {
    const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => json(res, 200, { url: req.url })
    const { proxyUrl, adminUrl, app } = await startProxy({
      primary: await startUpstream(handler),
      candidate: await startUpstream(handler),
      split: { stickyHeader: 'x-user' },
    })
    const traffic = keepTraffic(proxyUrl)
    const started = Date.now()
    // Whole seconds: a step is judged on the whole seconds after its traffic change (the store counts per second).
    const run = await runCli(['promote', '--steps', '10,50,100', '--interval', '2s', '--min-samples', '5', '--admin', adminUrl], { timeoutMs: 30_000 })
    expect(run.stdout).toContain('promoted')
    expect(run.code).toBe(0)
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 2000)
    expect(app.traffic.state.mode).toBe('candidate')
    const served = await request(proxyUrl + '/api/items/1')
    expect(served.headers['x-shadowdiff-served-by']).toBe('candidate')
    await served.body.dump()

    const back = await runCli(['rollback', '--admin', adminUrl, '--cause', 'test'])
    expect(back.code).toBe(0)
    expect(app.traffic.state.mode).toBe('shadow')
    const after = await request(proxyUrl + '/api/items/1')
    expect(after.headers['x-shadowdiff-served-by']).toBe('primary')
    await after.body.dump()
    await traffic.stop()
    expect(traffic.stats().failed).toBe(0)

    const events = (await (await request(adminUrl + '/api/events')).body.json()) as { type: string; actor: string; data?: { to?: { weight: number } } }[]
    const weights = events.filter((e) => e.type !== 'promotion').map((e) => e.data?.to?.weight)
    expect(weights).toEqual([10, 50, 100, 0])
    expect(events.at(-1)).toMatchObject({ type: 'rollback', actor: 'cli' })
  })

  it('rolls back a candidate that diverges and exits 1 with the reasons', async () => {
    const { proxyUrl, adminUrl, app } = await startProxy({
      primary: await startUpstream((_req, res) => json(res, 200, { price: 10 })),
      candidate: await startUpstream((_req, res) => json(res, 200, { price: 12 })),
      split: { stickyHeader: 'x-user' },
    })
    const traffic = keepTraffic(proxyUrl)
    const run = await runCli(['promote', '--steps', '10,50,100', '--interval', '2s', '--min-samples', '5', '--admin', adminUrl], { timeoutMs: 30_000 })
    await traffic.stop()
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/rolled-back/)
    expect(run.stdout).toMatch(/divergence 100\.0% > 1\.0%/)
    expect(app.traffic.state).toMatchObject({ mode: 'shadow', weight: 0 })
    expect(traffic.stats().failed).toBe(0)
  })
})

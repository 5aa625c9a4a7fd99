/**
 * nginx `mirror` in front, `shadowdiff compare` behind it, with the nginx
 * block of docs/gateways.md. nginx serves clients from the primary and
 * mirrors each request to shadowdiff, which compares a replica of the
 * primary with a candidate that takes 500 ms and diverges on one item.
 */
import { describe, expect, it } from 'vitest'
import { Client } from 'undici'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { json, startUpstream } from '../helpers/upstream.js'
import { tempDir } from '../helpers/proxy.js'
import { buildReport } from '../../src/report/build-report.js'
import { listDivergences } from '../../src/store/list-divergences.js'
import { startReceiver } from './start-receiver.js'
import { documentedNginxConfig, findNginx, freePort, startNginx } from './nginx.js'

const NGINX = findNginx()
if (NGINX === null) console.warn('test/receiver/nginx-mirror.test.ts skipped: no nginx binary on PATH or in /usr/sbin (apt-get install -y nginx)')

const N = 30
const CANDIDATE_DELAY_MS = 500

interface Seen {
  url: string
  host: string | undefined
  id: string | undefined
}

function catalogue(seen: Seen[], opts: { price7?: number; delayMs?: number } = {}) {
  return (req: IncomingMessage, res: ServerResponse) => {
    seen.push({ url: req.url ?? '', host: req.headers.host, id: req.headers['x-request-id'] as string | undefined })
    const id = Number(/\/api\/items\/(\d+)/.exec(req.url ?? '')?.[1] ?? 0)
    const price = id === 7 && opts.price7 !== undefined ? opts.price7 : id * 10
    const answer = () => json(res, 200, { id, name: `item ${id}`, price })
    if (opts.delayMs) setTimeout(answer, opts.delayMs)
    else answer()
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

/** Sends `count` requests one after another on ONE keep-alive connection; returns each latency in ms. */
async function drive(origin: string, count: number): Promise<number[]> {
  const client = new Client(origin, { pipelining: 1 })
  const latencies: number[] = []
  try {
    for (let i = 0; i < count; i++) {
      const started = performance.now()
      const res = await client.request({ path: `/api/items/${i % 10}?v=1`, method: 'GET', headers: { host: 'shop.example.test' } })
      const body = (await res.body.json()) as { id: number; price: number }
      latencies.push(performance.now() - started)
      expect(res.statusCode).toBe(200)
      // Clients always get the primary's answer.
      expect(body.price).toBe((i % 10) * 10)
    }
  } finally {
    await client.close()
  }
  return latencies
}

describe.skipIf(NGINX === null)('nginx mirror → shadowdiff compare', () => {
  it('records the comparison of every mirrored request; client latency does not depend on the candidate', async () => {
    const served: Seen[] = []
    const replayed: Seen[] = []
    const candidateSeen: Seen[] = []
    const primary = await startUpstream(catalogue(served))
    const replica = await startUpstream(catalogue(replayed))
    const candidate = await startUpstream(catalogue(candidateSeen, { price7: 99, delayMs: CANDIDATE_DELAY_MS }))
    const { app, receiverUrl, db } = await startReceiver({ primary: replica, candidate })

    // Resolves when the receiver has taken the N-th copy (its own handler runs first).
    const allCopies = new Promise<void>((resolve) => {
      let copies = 0
      app.proxy.on('request', () => ++copies === N && resolve())
    })
    const port = await freePort()
    const conf = documentedNginxConfig({ listen: port, primary: new URL(primary).host, shadowdiff: new URL(receiverUrl).host })
    await startNginx(NGINX as string, tempDir('shadowdiff-nginx-'), port, conf)

    const latencies = (await drive(`http://127.0.0.1:${port}`, N)).sort((a, b) => a - b)
    await allCopies
    await app.drain()

    // The client waited for nginx and the primary only: the 500 ms candidate is not on its path.
    // Were it on the path, every request after the first would take ≥ 500 ms (see the contrast
    // below); the margins leave room for a loaded CI machine, where a lone sample can stall.
    const p50 = percentile(latencies, 50)
    const p99 = percentile(latencies, 99)
    const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length
    expect(p50).toBeLessThan(CANDIDATE_DELAY_MS / 5)
    expect(mean).toBeLessThan(CANDIDATE_DELAY_MS / 4)
    expect(p99).toBeLessThan(CANDIDATE_DELAY_MS * 0.8)

    // Every client request reached the primary once, and its copy the replica and the candidate.
    expect(served).toHaveLength(N)
    expect(replayed).toHaveLength(N)
    expect(candidateSeen).toHaveLength(N)
    // Restored from the copy: the client's Host and URI, nginx's request id.
    for (const seen of [...replayed, ...candidateSeen]) {
      expect(seen.host).toBe('shop.example.test')
      expect(seen.url).toMatch(/^\/api\/items\/\d\?v=1$/)
      expect(seen.id).toMatch(/^[0-9a-f]{32}$/)
    }
    expect(new Set(replayed.map((s) => s.id))).toEqual(new Set(served.map((s) => s.id)))

    const report = buildReport([db])
    expect(report.totals).toMatchObject({ served: N, mirrored: N, compared: N, divergent: 3, dropped: 0, skipped: 0, candidateErrors: 0 })
    expect(report.endpoints.map((e) => `${e.method} ${e.route} ${e.compared}/${e.divergent}`)).toEqual(['GET /api/items/:id 30/3'])
    expect(report.endpoints[0].fields).toEqual([{ field: '/price', op: 'replace', count: 3, noiseCount: 0, decision: 'divergent' }])
    expect(report.endpoints[0].latency.candidate.p50).toBeGreaterThanOrEqual(CANDIDATE_DELAY_MS * 0.9)

    const rows = listDivergences([db], { limit: 10 })
    expect(rows).toHaveLength(3)
    const item7 = served.filter((s) => s.url === '/api/items/7?v=1').map((s) => s.id)
    for (const row of rows) {
      expect(row).toMatchObject({ url: '/api/items/7?v=1', route: '/api/items/:id', patch: [{ op: 'replace', path: '/price', value: 99 }] })
      // The exchange id is the id nginx gave the client's request.
      expect(item7).toContain(row.id)
    }
  })

  it('contrast: the same nginx mirroring straight to the slow candidate delays the client (why the 204 matters)', async () => {
    const primary = await startUpstream(catalogue([]))
    const candidate = await startUpstream(catalogue([], { delayMs: CANDIDATE_DELAY_MS }))
    const port = await freePort()
    const conf = documentedNginxConfig({ listen: port, primary: new URL(primary).host, shadowdiff: new URL(candidate).host })
    await startNginx(NGINX as string, tempDir('shadowdiff-nginx-'), port, conf)
    const latencies = await drive(`http://127.0.0.1:${port}`, 3)
    // nginx does not read the next request on a keep-alive connection until the mirror has answered.
    expect(latencies[1]).toBeGreaterThan(CANDIDATE_DELAY_MS * 0.8)
    expect(latencies[2]).toBeGreaterThan(CANDIDATE_DELAY_MS * 0.8)
  })
})

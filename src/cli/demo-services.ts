/**
 * The two sample services of `shadowdiff demo`: v1 (production) and a
 * "refactored" v2 with a few planted regressions among volatile fields that
 * the demo's rules are expected to ignore.
 *
 * Planted in v2:
 * - GET /api/users/:id        drops `email` for ids divisible by 5
 * - GET /api/orders/:id       rounds `total` to whole units above 500 (a money bug)
 * - GET /api/search           500 for queries longer than 8 characters
 * Volatile in both (must not be reported): `requestId`, `servedAt`, ETag and
 * Date headers, and the order of `tags`.
 */
import http from 'node:http'
import { once } from 'node:events'
import { randomUUID } from 'node:crypto'
import type { AddressInfo } from 'node:net'

export const DEMO_RULES = `# Rules the demo runs with: the volatile fields of its sample services.
rules:
  - name: volatile fields
    ignore:
      headers: [etag, x-request-id]
      body: [/requestId, /servedAt]
  - name: tags are a set
    match: { method: GET, path: /api/users/:id }
    unordered: [/tags]
`

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', etag: `"${randomUUID().slice(0, 8)}"`, 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

function handler(version: 1 | 2): http.RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo')
    const volatile = { requestId: randomUUID(), servedAt: new Date().toISOString() }
    let m: RegExpExecArray | null
    if ((m = /^\/api\/users\/(\d+)$/.exec(url.pathname))) {
      const id = Number(m[1])
      const tags = ['admin', 'beta', 'eu'].sort(() => Math.random() - 0.5)
      const user: Record<string, unknown> = { id, name: `User ${id}`, email: `user${id}@example.com`, tags, ...volatile }
      if (version === 2 && id % 5 === 0) delete user.email
      return send(res, 200, user)
    }
    if ((m = /^\/api\/orders\/(\d+)$/.exec(url.pathname))) {
      const id = Number(m[1])
      const total = Math.round(id * 17.35 * 100) / 100
      return send(res, 200, { id, total: version === 2 && total > 500 ? Math.round(total) : total, currency: 'EUR', ...volatile })
    }
    if (url.pathname === '/api/search') {
      const q = url.searchParams.get('q') ?? ''
      if (version === 2 && q.length > 8) return send(res, 500, { error: 'internal error' })
      return send(res, 200, { q, results: [`${q}-1`, `${q}-2`], ...volatile })
    }
    if (url.pathname === '/health') return send(res, 200, { status: 'ok' })
    send(res, 404, { error: 'not found' })
  }
}

export interface DemoServices {
  v1: string
  v2: string
  close(): Promise<void>
}

export async function startDemoServices(): Promise<DemoServices> {
  const servers = [http.createServer(handler(1)), http.createServer(handler(2))]
  for (const s of servers) {
    s.listen(0, '127.0.0.1')
    await once(s, 'listening')
  }
  const url = (s: http.Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`
  return {
    v1: url(servers[0]),
    v2: url(servers[1]),
    close: async () => {
      for (const s of servers) s.closeAllConnections()
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))))
    },
  }
}

/** The demo's traffic: a realistic mix over the sample endpoints. */
export function demoPaths(count: number): string[] {
  const paths: string[] = []
  const queries = ['shoe', 'hat', 'umbrella', 'waterproof jacket', 'sock']
  for (let i = 0; i < count; i++) {
    switch (i % 4) {
      case 0:
        paths.push(`/api/users/${(i % 50) + 1}`)
        break
      case 1:
        paths.push(`/api/orders/${(i % 40) + 1}`)
        break
      case 2:
        paths.push(`/api/search?q=${encodeURIComponent(queries[i % queries.length])}`)
        break
      default:
        paths.push('/health')
    }
  }
  return paths
}

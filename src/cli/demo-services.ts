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
import type { AddressInfo } from 'node:net'

/** The seed `shadowdiff demo` uses unless `--seed` says otherwise (the README shows its output). */
export const DEFAULT_SEED = 1

/**
 * mulberry32: a small seeded PRNG (32-bit state, full period), so a demo run
 * is the same run every time for the same seed: the same requests in the same
 * order, the same "random" ids and shuffles.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A UUID-shaped id from `random` (volatile, like a real request id). */
function fakeUuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`
}

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

function handler(version: 1 | 2, random: () => number): http.RequestListener {
  const send = (res: http.ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body)
    res.writeHead(status, { 'content-type': 'application/json', etag: `"${fakeUuid(random).slice(0, 8)}"`, 'content-length': Buffer.byteLength(text) })
    res.end(text)
  }
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo')
    const volatile = { requestId: fakeUuid(random), servedAt: new Date().toISOString() }
    let m: RegExpExecArray | null
    if ((m = /^\/api\/users\/(\d+)$/.exec(url.pathname))) {
      const id = Number(m[1])
      const tags = shuffle(['admin', 'beta', 'eu'], random)
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

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[items[i], items[j]] = [items[j], items[i]]
  }
  return items
}

/** Both services on free loopback ports; their volatile values come from `seed`. */
export async function startDemoServices(seed = DEFAULT_SEED): Promise<DemoServices> {
  const servers = [http.createServer(handler(1, seededRandom(seed + 1))), http.createServer(handler(2, seededRandom(seed + 2)))]
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

/**
 * The demo's traffic: a quarter on each sample endpoint (users, orders,
 * search, health), in a shuffled order, with ids and queries drawn from
 * `seed`. Which ids are drawn decides how many requests hit a planted bug,
 * so the counts the demo prints depend on the seed, and only on it.
 */
export function demoPaths(count: number, seed = DEFAULT_SEED): string[] {
  const random = seededRandom(seed)
  const pick = (n: number) => 1 + Math.floor(random() * n)
  const queries = ['shoe', 'hat', 'umbrella', 'waterproof jacket', 'sock']
  const paths: string[] = []
  for (let i = 0; i < count; i++) {
    switch (i % 4) {
      case 0:
        paths.push(`/api/users/${pick(50)}`)
        break
      case 1:
        paths.push(`/api/orders/${pick(40)}`)
        break
      case 2:
        paths.push(`/api/search?q=${encodeURIComponent(queries[pick(queries.length) - 1])}`)
        break
      default:
        paths.push('/health')
    }
  }
  return shuffle(paths, random)
}

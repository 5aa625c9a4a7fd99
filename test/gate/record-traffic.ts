/**
 * Records real traffic into a shadowdiff database for the gate and report
 * contract tests: a primary and a candidate on loopback, the real app
 * (buildApp, as test/helpers/proxy.ts builds it) in between, requests sent
 * through the proxy with undici, then drain and close.
 *
 * Unlike startProxy this owns its lifecycle (no onTestFinished), so a test
 * file can record once in beforeAll and run many CLI checks against the
 * file; `cleanup()` goes in afterAll.
 */
import http from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { request } from 'undici'
import { buildApp, type App } from '../../src/app.js'
import { validateConfig } from '../../src/config.js'
import { closeServer, json } from '../helpers/upstream.js'

/** How one side answers a path: status, JSON body, and an optional delay. */
export type Answer = (path: string) => { status?: number; body: unknown; delayMs?: number }

export interface Recording {
  /** Number of requests sent per path, e.g. `{ '/api/users/1': 20 }`. */
  requests: Record<string, number>
  primary: Answer
  candidate: Answer
}

export interface Started {
  app: App
  proxyUrl: string
  adminUrl: string
  db: string
  /** Sends every request of the plan through the proxy, then waits until all are compared and stored. */
  send(requests: Record<string, number>): Promise<void>
  close(): Promise<void>
}

function serve(answer: Answer): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const a = answer(req.url ?? '/')
    const reply = () => json(res, a.status ?? 200, a.body)
    if (a.delayMs) setTimeout(reply, a.delayMs)
    else reply()
  })
  server.keepAliveTimeout = 5_000
  server.listen(0, '127.0.0.1')
  return once(server, 'listening').then(() => server)
}

const url = (s: http.Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`

/** A folder removed by `cleanup()`; every database of a file lives in one. */
export function scratchDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-gate-'))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/**
 * Starts primary, candidate and the app (extra config merged in); the
 * caller sends traffic and closes. Used directly by the admin-API contract
 * tests, which keep the app running.
 */
export async function startShadow(dir: string, name: string, plan: Omit<Recording, 'requests'>, config: Record<string, unknown> = {}): Promise<Started> {
  const [p, c] = await Promise.all([serve(plan.primary), serve(plan.candidate)])
  const db = join(dir, `${name}.db`)
  const app = buildApp(validateConfig({ primary: url(p), candidate: url(c), port: 0, adminPort: 0, logLevel: 'silent', db, ...config }), {
    logger: pino({ level: 'silent' }),
  })
  const { proxyUrl, adminUrl } = await app.listen()
  return {
    app,
    proxyUrl,
    adminUrl,
    db,
    async send(requests) {
      const paths = Object.entries(requests).flatMap(([path, n]) => Array.from({ length: n }, () => path))
      // A few at a time: concurrent enough that slow candidates do not add up, bounded for a 2-core machine.
      for (let i = 0; i < paths.length; i += 10) {
        await Promise.all(paths.slice(i, i + 10).map(async (path) => (await request(proxyUrl + path)).body.dump()))
      }
      await app.drain()
    },
    async close() {
      await app.close({ graceMs: 1_000 })
      await Promise.all([closeServer(p), closeServer(c)])
    },
  }
}

/** Records `plan` into `<dir>/<name>.db` and returns the path once the app is closed. */
export async function recordTraffic(dir: string, name: string, plan: Recording): Promise<string> {
  const shadow = await startShadow(dir, name, plan)
  try {
    await shadow.send(plan.requests)
    const compared = shadow.app.stats.compared
    const expected = Object.values(plan.requests).reduce((a, b) => a + b, 0)
    // The contract tests count on every request being compared; say so plainly if not.
    if (compared !== expected) throw new Error(`recordTraffic(${name}): ${compared} of ${expected} requests were compared`)
  } finally {
    await shadow.close()
  }
  return shadow.db
}

/** The body every side answers for a path unless a test says otherwise. */
export const same: Answer = (path) => ({ body: { path, name: 'Ada', tags: ['a', 'b'] } })

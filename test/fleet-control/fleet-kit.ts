/**
 * A fleet for tests: real `shadowdiff serve` processes (the CLI, so kill -9
 * is real) on one PostgreSQL database of a throwaway cluster, real loopback
 * upstreams, and a load loop spread over the instances.
 */
import type http from 'node:http'
import pg from 'pg'
import { Agent, request } from 'undici'
import { spawnCli, waitListening } from '../helpers/cli.js'
import { json, startUpstream } from '../helpers/upstream.js'
import type { PgCluster } from '../helpers/pg-cluster.js'

export interface Instance {
  proxy: string
  admin: string
  child: ReturnType<typeof spawnCli>
}

let databases = 0

/** A fresh database on `cluster`, so each test starts from an empty fleet state. */
export async function freshDatabase(cluster: PgCluster): Promise<string> {
  const name = `fleet_${process.pid}_${++databases}`
  const admin = new pg.Client({ connectionString: cluster.url })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  return cluster.url.replace(/\/postgres$/, `/${name}`)
}

/** Same-answer upstreams (a good candidate) unless `candidate` says otherwise. */
export async function upstreams(candidate?: http.RequestListener): Promise<{ primary: string; candidate: string }> {
  const same: http.RequestListener = (req, res) => json(res, 200, { url: req.url })
  return { primary: await startUpstream(same), candidate: await startUpstream(candidate ?? same) }
}

/** Starts `n` serve instances on `db` at once (they migrate concurrently), killed when the test ends. */
export async function startFleet(n: number, db: string, sides: { primary: string; candidate: string }, extra: string[] = []): Promise<Instance[]> {
  const children = Array.from({ length: n }, () =>
    spawnCli(['serve', '--primary', sides.primary, '--candidate', sides.candidate, '--port', '0', '--admin-port', '0', '--db', db, '--sticky-header', 'x-user', '--log-format', 'json', '--log-level', 'info', ...extra]),
  )
  return Promise.all(
    children.map(async (child) => {
      const { proxy, admin } = await waitListening(child, 20_000)
      return { proxy, admin, child }
    }),
  )
}

export async function getJson<T = Record<string, unknown>>(url: string): Promise<T> {
  const res = await request(url)
  return (await res.body.json()) as T
}

export async function sendJson(method: 'PUT' | 'POST', url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await request(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> }
}

/** Polls `fn` every 5 ms until it is truthy; returns how long that took. */
export async function within(what: string, timeoutMs: number, fn: () => Promise<boolean> | boolean): Promise<number> {
  const t0 = Date.now()
  for (;;) {
    if (await fn()) return Date.now() - t0
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

/**
 * Sticky-keyed GETs through every live instance until stopped; counts per
 * instance what was sent, failed, and served by the candidate. An instance
 * marked dead (killed on purpose) is skipped from then on.
 */
export function keepLoad(instances: Instance[], workersPer = 2) {
  const agent = new Agent({ connections: 4 * instances.length })
  const counts = instances.map(() => ({ sent: 0, failed: 0, candidate: 0 }))
  const dead = new Set<number>()
  let stop = false
  const loop = async (k: number, w: number) => {
    for (let i = 0; !stop; i++) {
      if (dead.has(k)) return
      try {
        const res = await request(`${instances[k].proxy}/api/items/${i % 20}`, { dispatcher: agent, headers: { 'x-user': `u-${k}-${w}-${i % 200}` } })
        await res.body.dump()
        if (dead.has(k)) return
        counts[k].sent++
        if (res.statusCode !== 200) counts[k].failed++
        if (res.headers['x-shadowdiff-served-by'] === 'candidate') counts[k].candidate++
      } catch {
        if (dead.has(k)) return
        counts[k].sent++
        counts[k].failed++
      }
    }
  }
  const loops = instances.flatMap((_, k) => Array.from({ length: workersPer }, (__, w) => loop(k, w)))
  return {
    counts,
    markDead(k: number) {
      dead.add(k)
    },
    async stop() {
      stop = true
      await Promise.all(loops)
      await agent.close()
    },
  }
}

/**
 * A fleet on one PostgreSQL database: three `serve` instances behind a
 * round-robin load spreader share the traffic. The fleet report from any
 * instance's /api/report, and from `shadowdiff report --db postgres://…`,
 * equals the report of one instance that saw every exchange; /api/gate on
 * any instance judges the whole fleet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import http from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { onTestFinished } from 'vitest'
import { request } from 'undici'
import { closeServer, startUpstream } from '../helpers/upstream.js'
import { startProxy, tempDir } from '../helpers/proxy.js'
import { startPgApp } from '../helpers/pg-app.js'
import { startPgCluster, type PgCluster } from '../helpers/pg-cluster.js'
import { createDatabase } from '../helpers/pg-database.js'
import { runCli } from '../helpers/cli.js'
import type { Report } from '../../src/report/report-types.js'
import { comparable, comparableVerdict, nth, service } from './fleet-traffic.js'

let cluster: PgCluster
beforeAll(async () => {
  cluster = await startPgCluster()
})
afterAll(() => cluster?.stop())

// Every exchange mirrored on every instance, whatever the machine's load: the adaptive limit
// (which sheds load as a fair sample) would make the counts depend on timing.
const FIXED = { concurrency: 'fixed', maxInFlight: 256 }

const STREAM = 150

/** A loopback HTTP forwarder sending request i to targets[i mod n]: the load balancer in front of a fleet. */
async function startSpreader(targets: string[]): Promise<string> {
  let next = 0
  const server = http.createServer(async (req, res) => {
    const target = targets[next++ % targets.length]
    try {
      const chunks: Buffer[] = []
      for await (const c of req) chunks.push(c as Buffer)
      const headers = { ...req.headers }
      delete headers.host
      delete headers.connection
      const up = await request(target + req.url, { method: req.method as 'GET', headers, body: chunks.length > 0 ? Buffer.concat(chunks) : undefined })
      const body = Buffer.from(await up.body.arrayBuffer())
      res.writeHead(up.statusCode, { 'content-type': String(up.headers['content-type'] ?? 'application/octet-stream') })
      res.end(body)
    } catch (err) {
      res.writeHead(599).end(String(err))
    }
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  onTestFinished(() => closeServer(server))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function getJson<T>(url: string): Promise<T> {
  const res = await request(url)
  expect(res.statusCode).toBe(200)
  return (await res.body.json()) as T
}

describe('three instances on one PostgreSQL database', () => {
  it('give one fleet report, equal to one instance that saw every exchange, on every instance and in the CLI', async () => {
    const primary = await startUpstream(service(1))
    const candidate = await startUpstream(service(2))
    const url = await createDatabase(cluster)
    // Started together: they migrate the fresh database at once.
    const fleet = await Promise.all([0, 1, 2].map(() => startPgApp({ primary, candidate, db: url, mirror: FIXED })))
    const spreader = await startSpreader(fleet.map((f) => f.proxyUrl))
    const single = await startProxy({ primary, candidate, db: join(tempDir(), 'single.db'), mirror: FIXED })

    const sendAll = async (base: string) => {
      // Eight clients at a time, as a real fleet's load would come.
      let i = 0
      const worker = async () => {
        for (let n = i++; n < STREAM; n = i++) {
          const { method, path, id } = nth(n)
          const res = await request(base + path, { method, headers: { 'x-request-id': id }, body: method === 'POST' ? '{"lines":[1]}' : undefined })
          await res.body.dump()
          expect(res.statusCode).toBe(method === 'POST' ? 201 : 200)
        }
      }
      await Promise.all(Array.from({ length: 8 }, worker))
    }
    await Promise.all([sendAll(spreader), sendAll(single.proxyUrl)])
    await Promise.all([...fleet.map((f) => f.app.drain()), single.app.drain()])
    // Each instance served a third of the traffic.
    for (const f of fleet) expect(f.app.stats.toJSON().served).toBe(STREAM / 3)

    const q = '?minSamples=10'
    const one = await getJson<Report>(`${single.adminUrl}/api/report${q}`)
    const reports = await Promise.all(fleet.map((f) => getJson<Report>(`${f.adminUrl}/api/report${q}`)))
    for (const r of reports) {
      expect(r.totals.served).toBe(STREAM)
      expect(comparable(r)).toEqual(comparable(one))
    }
    const cli = await runCli(['report', '--db', url, '--format', 'json', '--min-samples', '10'])
    expect(cli.code, cli.stderr).toBe(0)
    const fromCli = JSON.parse(cli.stdout) as Report
    expect(fromCli.sources).toEqual([url])
    expect(comparable(fromCli)).toEqual(comparable(one))

    type Gate = { data: { latencyRatio: number | null; window: unknown; samples: number; ok: boolean } }
    const gateOne = await getJson<Gate>(`${single.adminUrl}/api/gate${q}`)
    for (const f of fleet) {
      const gate = await getJson<Gate>(`${f.adminUrl}/api/gate${q}`)
      expect(gate.data.samples).toBe(one.totals.compared)
      expect(comparableVerdict(gate.data)).toEqual(comparableVerdict(gateOne.data))
    }
    const gateCli = await runCli(['gate', '--db', url, '--format', 'json', '--min-samples', '10'])
    expect(gateCli.code).toBe(1) // the candidate diverges: the fleet's gate fails, as the single one does
    expect(comparableVerdict(JSON.parse(gateCli.stdout))).toEqual(comparableVerdict(one.verdict))
  })
})

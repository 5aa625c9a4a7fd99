/**
 * kill -9 of a `serve` instance writing into PostgreSQL under load: what it
 * had flushed is in the database, and what is missing is at most what
 * arrived in its last flush interval (plus the flush in flight). A restarted
 * instance records on into the same database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { Agent, request } from 'undici'
import { json, startUpstream } from '../helpers/upstream.js'
import { tempDir } from '../helpers/proxy.js'
import { spawnCli, waitListening } from '../helpers/cli.js'
import { startPgCluster, type PgCluster } from '../helpers/pg-cluster.js'
import { createDatabase } from '../helpers/pg-database.js'
import { readReport } from '../../src/report/read-report.js'

let cluster: PgCluster
beforeAll(async () => {
  cluster = await startPgCluster()
})
afterAll(() => cluster?.stop())

const FLUSH_MS = 200
// Between the candidate answering and the exchange reaching the recorder (compare stage), plus a flush's own time, on a loaded 2-core machine.
const SLACK_MS = 300

describe('kill -9 of an instance writing to PostgreSQL', () => {
  it('loses at most its last flush interval, and a restart records on', async () => {
    const hits: number[] = []
    const primary = await startUpstream((_req, res) => json(res, 200, { v: 1 }))
    const candidate = await startUpstream((_req, res) => {
      json(res, 200, { v: 2 })
      hits.push(Date.now())
    })
    const url = await createDatabase(cluster)
    const config = join(tempDir(), 'config.json')
    writeFileSync(config, JSON.stringify({ store: { flushIntervalMs: FLUSH_MS } }))
    const args = ['serve', '--primary', primary, '--candidate', candidate, '--port', '0', '--admin-port', '0', '--db', url, '--config', config]
    const child = spawnCli(args)
    const { proxy } = await waitListening(child)

    const agent = new Agent({ connections: 8 })
    let ok = 0
    let stop = false
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const res = await request(`${proxy}/crash/${w}-${i}`, { dispatcher: agent })
          await res.body.dump()
          if (res.statusCode === 200) ok++
        } catch {
          return // in flight when the process died
        }
      }
    }
    const loadStart = Date.now()
    const workers = Array.from({ length: 6 }, (_, w) => worker(w))
    while (ok < 300 || Date.now() - loadStart < 5 * FLUSH_MS) await new Promise((r) => setTimeout(r, 10))
    const killedAt = Date.now()
    child.kill('SIGKILL')
    await once(child, 'exit')
    stop = true
    await Promise.all(workers)
    await agent.close()

    const compared = (await readReport([url])).totals.compared
    const lost = hits.length - compared
    const recent = hits.filter((t) => t > killedAt - FLUSH_MS - SLACK_MS).length
    console.log(`kill -9 (PostgreSQL): ${ok} answered, ${hits.length} mirrored, ${compared} stored, ${lost} lost; ${recent} arrived in the last ${FLUSH_MS} + ${SLACK_MS} ms`)
    expect(compared).toBeGreaterThan(0)
    expect(lost).toBeGreaterThanOrEqual(0)
    expect(lost).toBeLessThanOrEqual(recent)

    // Restart on the same database: it serves, records, and stops cleanly.
    const again = spawnCli(args)
    const second = await waitListening(again)
    for (let i = 0; i < 5; i++) {
      const res = await request(`${second.proxy}/after/${i}`)
      expect(res.statusCode).toBe(200)
      await res.body.dump()
    }
    again.kill('SIGTERM')
    const [code] = await once(again, 'exit')
    expect(code).toBe(0)
    expect((await readReport([url])).totals.compared).toBe(compared + 5)
  })
})

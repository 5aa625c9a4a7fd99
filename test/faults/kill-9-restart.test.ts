import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import Sqlite from 'better-sqlite3'
import { Agent, request } from 'undici'
import { json, startUpstream } from '../helpers/upstream.js'
import { tempDir } from '../helpers/proxy.js'
import { spawnCli, waitListening } from '../helpers/cli.js'
import { buildReport } from '../../src/report/build-report.js'
import { ledger, useLedger } from './fault-kit.js'

useLedger(import.meta.filename)

const FLUSH_MS = 200
// Time between the candidate answering and the exchange being queued for the
// next flush (compare stage, event-loop turns), on a loaded 2-core machine.
const SLACK_MS = 300

describe('kill -9 under load, then restart', () => {
  it('leaves a sound database missing at most the last flush interval, and restarts on it', async () => {
    ledger.fault()
    const hits: number[] = []
    const primary = await startUpstream((_req, res) => json(res, 200, { v: 1 }))
    const candidate = await startUpstream((_req, res) => {
      json(res, 200, { v: 2 })
      hits.push(Date.now())
    })
    const dir = tempDir()
    const db = join(dir, 'crash.db')
    const config = join(dir, 'config.json')
    writeFileSync(config, JSON.stringify({ store: { flushIntervalMs: FLUSH_MS } }))
    const args = ['serve', '--primary', primary, '--candidate', candidate, '--port', '0', '--admin-port', '0', '--db', db, '--config', config]
    const child = spawnCli(args)
    const { proxy } = await waitListening(child)

    const agent = new Agent({ connections: 8 })
    let ok = 0
    let cut = 0
    let stop = false
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const res = await request(`${proxy}/crash/${w}-${i}`, { dispatcher: agent })
          await res.body.dump()
          if (res.statusCode === 200) ok++
        } catch {
          cut++ // in flight when the process died: no proxy can answer those
          return
        }
      }
    }
    const loadStart = Date.now()
    const workers = Array.from({ length: 6 }, (_, w) => worker(w))
    // Long enough for several flushes, so that some rows must have reached the file.
    while (ok < 150 || Date.now() - loadStart < 5 * FLUSH_MS) await new Promise((r) => setTimeout(r, 10))
    const killedAt = Date.now()
    child.kill('SIGKILL')
    await once(child, 'exit')
    stop = true
    await Promise.all(workers)
    await agent.close()
    // Requests cut by the kill are not the proxy's to lose; the ledger counts the answered ones.
    ledger.sent(ok)

    // The file survived the crash: SQLite recovers the WAL on open.
    const check = new Sqlite(db)
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok')
    check.close()
    const compared = buildReport([db]).totals.compared
    const lost = hits.length - compared
    const recent = hits.filter((t) => t > killedAt - FLUSH_MS - SLACK_MS).length
    console.log(`kill -9: ${ok} client requests answered, ${cut} cut by the kill, ${hits.length} mirrored, ${compared} stored, ${lost} lost; ${recent} arrived in the last ${FLUSH_MS} + ${SLACK_MS} ms`)
    expect(compared).toBeGreaterThan(0)
    expect(lost).toBeGreaterThanOrEqual(0)
    expect(lost).toBeLessThanOrEqual(recent)

    // Restart on the same file: it serves, records, and stops cleanly.
    const again = spawnCli(args)
    const second = await waitListening(again)
    for (let i = 0; i < 5; i++) {
      ledger.sent()
      const res = await request(`${second.proxy}/after/${i}`)
      expect(res.statusCode).toBe(200)
      await res.body.dump()
    }
    again.kill('SIGTERM')
    const [code] = await once(again, 'exit')
    expect(code).toBe(0)
    expect(buildReport([db]).totals.compared).toBe(compared + 5)
  })
})

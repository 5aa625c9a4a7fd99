import { describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { once } from 'node:events'
import { Agent, request } from 'undici'
import { json, startUpstream } from '../helpers/upstream.js'
import { startProxy, tempDir } from '../helpers/proxy.js'
import { spawnCli, waitListening } from '../helpers/cli.js'
import { listDivergences } from '../../src/store/list-divergences.js'
import { buildReport } from '../../src/report/build-report.js'

const IGNORE_A = 'rules:\n  - name: hide a\n    ignore: { body: [/a] }\n'
const IGNORE_B = 'rules:\n  - name: hide b\n    ignore: { body: [/b] }\n'
const INVALID = 'rules:\n  - ignore: { body: [no-slash] }\n'

async function upstreams() {
  return {
    primary: await startUpstream((_req, res) => json(res, 200, { a: 1, b: 1 })),
    candidate: await startUpstream((_req, res) => json(res, 200, { a: 2, b: 2 })),
  }
}

describe('rule reloads', () => {
  it('POST /api/rules/reload swaps the set; an invalid set is refused, the old one keeps serving, the error shows in /api/status', async () => {
    const dir = tempDir()
    const file = join(dir, 'rules.yaml')
    writeFileSync(file, IGNORE_A)
    const { proxyUrl, adminUrl, app, db } = await startProxy({ ...(await upstreams()), rules: file })
    const hit = async (path: string) => (await request(proxyUrl + path)).body.dump()

    await hit('/one')
    writeFileSync(file, IGNORE_B)
    const ok = await request(adminUrl + '/api/rules/reload', { method: 'POST' })
    expect(ok.statusCode).toBe(200)
    await ok.body.dump()
    await hit('/two')

    writeFileSync(file, INVALID)
    const refused = await request(adminUrl + '/api/rules/reload', { method: 'POST' })
    expect(refused.statusCode).toBe(422)
    const body = (await refused.body.json()) as { ok: boolean; lastError: string }
    expect(body.ok).toBe(false)
    expect(body.lastError).toContain(`${file}:2:`)
    const status = (await (await request(adminUrl + '/api/status')).body.json()) as { rules: { lastError: string; reloads: number } }
    expect(status.rules.lastError).toContain('no-slash')
    await hit('/three')

    await app.drain()
    const byUrl = Object.fromEntries(listDivergences([db], { limit: 10 }).map((r) => [r.url, r.fields.map((f) => f.field)]))
    expect(byUrl['/one']).toEqual(['/b'])
    expect(byUrl['/two']).toEqual(['/a'])
    // The refused set never took effect: the previous one (hide b) still applies.
    expect(byUrl['/three']).toEqual(['/a'])
  })

  it('reloads on file change without dropping or mis-comparing requests under load', async () => {
    const dir = tempDir()
    const file = join(dir, 'rules.yaml')
    writeFileSync(file, IGNORE_A)
    const { proxyUrl, app, db } = await startProxy({ ...(await upstreams()), rules: file })
    const agent = new Agent({ connections: 4 })
    let failed = 0
    let sent = 0
    let stop = false
    const loop = async () => {
      while (!stop) {
        const res = await request(proxyUrl + `/load/${sent++}`, { dispatcher: agent })
        await res.body.dump()
        if (res.statusCode !== 200) failed++
      }
    }
    const loops = [loop(), loop(), loop(), loop()]
    while (sent < 100) await new Promise((r) => setImmediate(r))
    writeFileSync(file, IGNORE_B)
    // The watcher debounces: wait for the reload to be observed, not for a fixed time.
    while (app.rules.status().reloads === 0) await new Promise((r) => setTimeout(r, 20))
    const after = sent
    while (sent < after + 100) await new Promise((r) => setImmediate(r))
    stop = true
    await Promise.all(loops)
    await agent.close()
    await app.drain()
    expect(failed).toBe(0)
    expect(app.stats.compared).toBe(sent)
    // Every exchange was compared under exactly one set: one field differs, never both or none.
    const { totals, endpoints } = buildReport([db], {})
    expect(totals.compared).toBe(sent)
    expect(totals.divergent).toBe(sent)
    const counts = Object.fromEntries(endpoints[0].fields.map((f) => [f.field, f.count]))
    expect(Object.keys(counts).sort()).toEqual(['/a', '/b'])
    expect(counts['/a'] + counts['/b']).toBe(sent)
  })

  it('reloads on SIGHUP in a running serve process', async () => {
    const dir = tempDir()
    const file = join(dir, 'rules.yaml')
    writeFileSync(file, IGNORE_A)
    const { primary, candidate } = await upstreams()
    const child = spawnCli(['serve', '--primary', primary, '--candidate', candidate, '--port', '0', '--admin-port', '0', '--db', join(dir, 'x.db'), '--rules', file])
    const { admin } = await waitListening(child)
    writeFileSync(file, IGNORE_B + '\n# edited\n')
    child.kill('SIGHUP')
    let reloads = 0
    for (let i = 0; i < 200 && reloads === 0; i++) {
      const status = (await (await request(admin + '/api/status')).body.json()) as { rules: { reloads: number } }
      reloads = status.rules.reloads
      if (reloads === 0) await new Promise((r) => setTimeout(r, 25))
    }
    expect(reloads).toBeGreaterThanOrEqual(1)
    expect(child.output()).toMatch(/rules reloaded/)
    child.kill('SIGTERM')
    const [code] = await once(child, 'exit')
    expect(code).toBe(0)
  })
})

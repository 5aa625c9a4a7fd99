import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { once } from 'node:events'
import { request } from 'undici'
import { json, startUpstream } from '../helpers/upstream.js'
import { tempDir } from '../helpers/proxy.js'
import { runCli, spawnCli, waitListening } from '../helpers/cli.js'
import { buildReport } from '../../src/report/build-report.js'

describe('shadowdiff compare (CLI)', () => {
  it('receives copies on --port, compares on stop, and writes the same store as serve', async () => {
    const primary = await startUpstream((req, res) => json(res, 200, { url: req.url, v: 1 }))
    const candidate = await startUpstream((req, res) => json(res, 200, { url: req.url, v: req.url === '/b' ? 2 : 1 }))
    const db = join(tempDir(), 'compare.db')
    const child = spawnCli(['compare', '--primary', primary, '--candidate', candidate, '--port', '0', '--admin-port', '0', '--db', db, '--log-level', 'info'])
    const { proxy, admin } = await waitListening(child)

    for (const path of ['/a', '/b', '/c']) {
      const res = await request(proxy + path, { headers: { host: 'api.example.com-shadow', 'x-request-id': `cli${path.slice(1)}` } })
      expect(res.statusCode).toBe(204)
      await res.body.dump()
    }
    const status = (await (await request(admin + '/api/status')).body.json()) as { served: number }
    expect(status.served).toBe(3)

    child.kill('SIGTERM')
    const [code] = await once(child, 'exit')
    expect(code).toBe(0)
    const report = buildReport([db])
    expect(report.totals).toMatchObject({ served: 3, mirrored: 3, compared: 3, divergent: 1 })
    expect(report.endpoints.find((e) => e.route === '/b')?.examples[0]).toMatchObject({ id: 'clib', patch: [{ op: 'replace', path: '/v', value: 2 }] })
  })

  it('documents itself: --help names the headers it reads, the command list names compare', async () => {
    const help = await runCli(['compare', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage: shadowdiff compare --primary URL --candidate URL')
    expect(help.stdout).toContain('X-Original-URI')
    expect(help.stdout).toContain('--max-in-flight N')
    expect(help.stdout).not.toContain('--sticky-header')
    const usage = await runCli(['--help'])
    expect(usage.stdout).toMatch(/^ {2}compare +receiver mode/m)
    const missing = await runCli(['compare', '--candidate', 'http://127.0.0.1:1'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('SHD_CONFIG_INVALID: primary: is required')
  })
})

/**
 * `--noise-min-samples` changes what reports and gates conclude, on a real
 * loopback run: the candidate is one more instance of the primary's code, so
 * every difference is noise. With the default (30 secondary answers per
 * endpoint) 40 exchanges prove it and the gate passes; asking for 1000 leaves
 * that noise `insufficient-data`, counted as divergent, and the gate fails:
 * on the live admin API (options from serve's flags) and offline (gate --db).
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { pino } from 'pino'
import { buildApp } from '../../src/app.js'
import { parseFlags } from '../../src/cli/parse-flags.js'
import { SERVE_FLAGS, configFromFlags } from '../../src/cli/serve-options.js'
import type { Report } from '../../src/report/report-types.js'
import { startNoisyService } from '../fixtures/noisy-service.js'
import { tempDir } from '../helpers/proxy.js'
import { runCli } from '../helpers/cli.js'
import { drive } from './drive.js'

describe('--noise-min-samples', () => {
  it('1000: noise-shaped differences are insufficient-data and the gate fails; the default accepts them', async () => {
    const [primary, secondary, candidate] = await Promise.all([startNoisyService('primary'), startNoisyService('secondary'), startNoisyService('secondary')])
    const dir = tempDir()
    const db = join(dir, 'run.db')
    const rules = join(dir, 'rules.yaml')
    writeFileSync(rules, 'rules: []\n')
    const argv = ['--primary', primary, '--candidate', candidate, '--secondary', secondary, '--port', '0', '--admin-port', '0', '--db', db, '--rules', rules]
    const config = configFromFlags(parseFlags([...argv, '--noise-min-samples', '1000'], SERVE_FLAGS).values, {})
    expect(config.noise.minSamples).toBe(1000)
    const app = buildApp(config, { logger: pino({ level: 'silent' }) })
    let closed = false
    onTestFinished(() => (closed ? undefined : app.close({ graceMs: 1_000 })))
    const { proxyUrl } = await app.listen()
    const score = await drive(app, proxyUrl, Array.from({ length: 40 }, (_, i) => `/users/${i}`))
    expect(score.withNoise).toBe(40)

    // Live: the admin API decides with the configured options.
    const report = (await app.admin.inject({ method: 'GET', url: '/api/report?minSamples=40' })).json() as Report
    const [users] = report.endpoints
    expect(users.divergent).toBe(0)
    expect(users.noiseOverruled).toBe(40)
    expect(new Set(users.fields.map((f) => f.decision))).toEqual(new Set(['insufficient-data']))
    const gate = (await app.admin.inject({ method: 'GET', url: '/api/gate?minSamples=40' })).json() as { data: { ok: boolean; reasons: string[] } }
    expect(gate.data.ok).toBe(false)
    expect(gate.data.reasons.join('\n')).toContain('40/40, of which 40 noise not accepted')
    await app.close()
    closed = true

    // Offline, on the same database: the default accepts the noise, the flag does not.
    const [byDefault, strict] = await Promise.all([
      runCli(['gate', '--db', db, '--min-samples', '40']),
      runCli(['gate', '--db', db, '--min-samples', '40', '--noise-min-samples', '1000']),
    ])
    expect(byDefault.stderr).toBe('')
    expect(byDefault.code).toBe(0)
    expect(strict.code).toBe(1)
    expect(strict.stdout).toContain('of which 40 noise not accepted')
  })
})

import { describe, expect, it } from 'vitest'
import { readdirSync, readFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { request } from 'undici'
import { json, startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { buildReport } from '../../src/report/build-report.js'
import { listDivergences } from '../../src/store/list-divergences.js'
import { compileSecretPaths } from '../../src/store/redact-path.js'
import { ConfigInvalid } from '../../src/errors.js'
import { buildApp } from '../../src/app.js'
import { validateConfig } from '../../src/config.js'

describe('secrets in URL paths (store.redactPath)', () => {
  it('redact() hides :name segments, fold() names them, `*` and a trailing `**` match without hiding', () => {
    const p = compileSecretPaths(['/password-reset/:token', '/orgs/*/keys/:key/**'], 'store.redactPath')
    expect(p.redact('/password-reset/abc123')).toBe('/password-reset/[REDACTED]')
    expect(p.fold('/password-reset/abc123')).toBe('/password-reset/:token')
    expect(p.redact('/orgs/acme/keys/k-123/usage/today')).toBe('/orgs/acme/keys/[REDACTED]/usage/today')
    expect(p.fold('/orgs/acme/keys/k-123')).toBe('/orgs/acme/keys/:key')
    // Other lengths and other literals are left alone.
    expect(p.redact('/password-reset/abc/extra')).toBe('/password-reset/abc/extra')
    expect(p.redact('/password-resets/abc')).toBe('/password-resets/abc')
    expect(p.redact('/orgs/acme/keys')).toBe('/orgs/acme/keys')
  })

  it('refuses a template that is not a path, hides nothing, or has `**` inside, naming where and what was expected', () => {
    expect(() => compileSecretPaths(['password-reset/:token'], 'store.redactPath')).toThrow(/store\.redactPath\[0\]: expected a path template starting with '\/'/)
    expect(() => compileSecretPaths(['/ok/:t', '/reset/token'], 'store.redactPath')).toThrow(/store\.redactPath\[1\]: no ':name' segment/)
    expect(() => compileSecretPaths(['/a/**/:t'], 'store.redactPath')).toThrow(ConfigInvalid)
    const config = validateConfig({ primary: 'http://127.0.0.1:1', candidate: 'http://127.0.0.1:2', store: { redactPath: ['/x'] } })
    expect(() => buildApp(config)).toThrow(/store\.redactPath\[0\]: no ':name' segment, so nothing would be hidden/)
  })

  it('forwards the real path to every side, and stores, reports and routes only the redacted one', async () => {
    const seen: string[] = []
    const side = (v: number) =>
      startUpstream((req, res) => {
        seen.push(req.url!)
        json(res, 200, { v })
      })
    const { app, proxyUrl, adminUrl, db } = await startProxy({ primary: await side(1), candidate: await side(2), store: { redactPath: ['/password-reset/:token'] } })
    const res = await request(`${proxyUrl}/password-reset/SECRET-tok-42?lang=en`)
    expect(res.statusCode).toBe(200)
    await res.body.dump()
    await app.drain()
    expect(seen.sort()).toEqual(['/password-reset/SECRET-tok-42?lang=en', '/password-reset/SECRET-tok-42?lang=en'])

    const [row] = listDivergences([db], { limit: 5 })
    expect(row.url).toBe('/password-reset/[REDACTED]?lang=en')
    expect(row.route).toBe('/password-reset/:token')
    const metrics = await (await request(`${adminUrl}/metrics`)).body.text()
    expect(metrics).toContain('route="/password-reset/:token"')
    expect(metrics).not.toContain('SECRET-tok')
    await app.close()
    expect(buildReport([db]).endpoints.map((e) => e.route)).toEqual(['/password-reset/:token'])
    const files = readdirSync(dirname(db)).filter((f) => f.startsWith(basename(db)))
    for (const f of files) expect(readFileSync(join(dirname(db), f)).toString('latin1'), f).not.toContain('SECRET-tok')
  })
})

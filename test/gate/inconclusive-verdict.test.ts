/**
 * The inconclusive verdict end to end (issue 14): `shadowdiff gate
 * --confidence` exits 3 (or what --inconclusive maps it to), Argo's body has
 * `data.verdict` beside `data.ok`, and Flagger proceeds only on pass.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { runCli } from '../helpers/cli.js'
import { same, scratchDir, startShadow, type Started } from './record-traffic.js'

const { dir, cleanup } = scratchDir()
let shadow: Started
let db: string

beforeAll(async () => {
  shadow = await startShadow(dir, 'clean', { primary: same, candidate: same })
  // 120 clean exchanges: enough for the point gate (minSamples 100), not for a 95% bound under 1%.
  await shadow.send({ '/api/users/1': 120 })
  db = shadow.app.config.db
})
afterAll(async () => {
  await shadow?.close()
  cleanup()
})

describe('inconclusive verdict', () => {
  it('gate --confidence exits 3 with the bounds and the samples that would settle it; --inconclusive maps it', async () => {
    const point = await runCli(['gate', '--db', db])
    expect(point.code).toBe(0)
    const v = await runCli(['gate', '--db', db, '--confidence', '0.95'])
    expect(v.code).toBe(3)
    expect(v.stdout).toMatch(/^INCONCLUSIVE \(4 reasons\): of 120 compared exchanges, 0\.0% diverged \(1% allowed\)/)
    expect(v.stdout).toContain('  counts: 120 compared of 120 served (0 divergent, 0 candidate errors; 0 dropped, 0 skipped, 0 not mirrored)')
    expect(v.stdout).toContain('95% Clopper–Pearson bounds: divergence 0.00% [0.00%, 2.47%] (max 1.00%)')
    expect(v.stdout).toContain('about 179 more samples would settle it')
    expect((await runCli(['gate', '--db', db, '--confidence', '95%', '--inconclusive', 'fail'])).code).toBe(1)
    expect((await runCli(['gate', '--db', db, '--confidence', '0.95', '--inconclusive', 'pass'])).code).toBe(0)
    const json = await runCli(['gate', '--db', db, '--confidence', '0.95', '--format', 'json'])
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, verdict: 'inconclusive', moreSamples: 179, counts: { compared: 120 } })
    const bad = await runCli(['gate', '--db', db, '--inconclusive', 'maybe'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("--inconclusive: expected fail or pass, got 'maybe'")
    expect((await runCli(['gate', '--db', db, '--confidence', '1.5'])).stderr).toContain('--confidence: expected a confidence level above 0.5 and below 1')
  })

  it('Argo: data.ok false with data.verdict inconclusive; Flagger: 403, and no rollback', async () => {
    const argo = await request(`${shadow.adminUrl}/api/gate?confidence=0.95`)
    expect(argo.statusCode).toBe(200)
    const data = ((await argo.body.json()) as { data: Record<string, unknown> }).data
    expect(data).toMatchObject({ ok: false, verdict: 'inconclusive', moreSamples: 179, counts: { compared: 120, served: 120 }, bounds: { method: 'clopper-pearson' } })
    const post = (path: string) =>
      request(`${shadow.adminUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'app', metadata: { confidence: '0.95' } }) })
    const hook = await post('/api/gate/flagger')
    expect(hook.statusCode).toBe(403)
    expect(await hook.body.json()).toMatchObject({ ok: false, verdict: 'inconclusive' })
    const rollback = await post('/api/gate/flagger/rollback')
    expect(rollback.statusCode).toBe(409)
    expect(await rollback.body.json()).toMatchObject({ rollback: false, verdict: 'inconclusive' })
  })
})

/**
 * `/metrics` passes `promtool check metrics` (Prometheus' own linter: naming
 * rules, `_total` only on counters, HELP and TYPE lines), run on a real
 * scrape after traffic, so the per-route series and histograms are in it.
 * promtool comes from Debian's `prometheus` package (.ci/run installs it).
 * The same test checks that docs/metrics.md names every `reason` label value
 * the scrape exports.
 */
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { request } from 'undici'
import { json, startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { parsePrometheus } from './prometheus-text.js'

function promtool(): string {
  const found = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).stdout.trim()
  if (!found) {
    throw new Error("promtool is missing: this test runs Prometheus' metrics linter. Install it with `apt-get install -y --no-install-recommends prometheus` (.ci/run installs it in CI).")
  }
  return found
}

async function scrapeAfterTraffic(): Promise<string> {
  const primary = await startUpstream((req, res) => json(res, 200, { url: req.url, v: 1 }))
  const candidate = await startUpstream((req, res) => json(res, req.url === '/api/users/3' ? 500 : 200, { url: req.url, v: 2 }))
  const { proxyUrl, adminUrl, app } = await startProxy({ primary, candidate })
  for (let i = 0; i < 5; i++) await (await request(`${proxyUrl}/api/users/${i}`)).body.dump()
  await (await request(`${proxyUrl}/api/orders`, { method: 'POST', body: '{}' })).body.dump()
  await app.drain()
  const res = await request(`${adminUrl}/metrics`)
  return res.body.text()
}

describe('/metrics and Prometheus conventions', () => {
  it('passes `promtool check metrics` after traffic', async () => {
    const bin = promtool()
    const text = await scrapeAfterTraffic()
    expect(text).toContain('shadowdiff_latency_seconds_bucket')
    // promtool exits 0 and prints nothing when every metric follows the rules.
    const run = spawnSync(bin, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 20_000 })
    expect(run.stdout + run.stderr).toBe('')
    expect(run.status).toBe(0)
  })

  it('promtool would catch a broken name (the check is live, not vacuous)', () => {
    const bin = promtool()
    const bad = '# HELP x_active_total A gauge.\n# TYPE x_active_total gauge\nx_active_total 1\n'
    const run = spawnSync(bin, ['check', 'metrics'], { input: bad, encoding: 'utf8', timeout: 20_000 })
    expect(run.status).not.toBe(0)
    expect(run.stdout + run.stderr).toContain('non-counter metrics should not have "_total" suffix')
  })

  it('docs/metrics.md lists every reason label value exported', async () => {
    const samples = parsePrometheus(await scrapeAfterTraffic())
    const doc = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8')
    const reasons = [...new Set(samples.filter((s) => s.labels.reason !== undefined).map((s) => `${s.name} ${s.labels.reason}`))]
    expect(reasons.length).toBeGreaterThanOrEqual(8)
    const row = (name: string) => doc.split('\n').find((l) => l.startsWith(`| \`${name}\``)) ?? ''
    const missing = reasons.filter((r) => {
      const [name, reason] = r.split(' ')
      return !row(name).includes('`' + reason + '`')
    })
    expect(missing).toEqual([])
  })
})

/**
 * `shadowdiff report --format json|md|html|junit [--out FILE]` through the
 * real binary, from a database recorded by sending real traffic through the
 * proxy. json and md go to stdout unless --out; html and junit default to
 * reports/report.html and reports/junit.xml under the working directory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCli } from '../helpers/cli.js'
import { recordTraffic, same, scratchDir } from '../gate/record-traffic.js'

const { dir, cleanup } = scratchDir()
let db = ''
let equal = ''
const TRAFFIC = { '/api/users/1': 15, '/api/users/2': 15, '/api/orders/7': 10 }

beforeAll(async () => {
  ;[db, equal] = await Promise.all([
    recordTraffic(dir, 'divergent', {
      requests: TRAFFIC,
      primary: same,
      candidate: (path) => (path.startsWith('/api/orders') ? { body: { path, name: 'Bob', tags: ['a', 'b'] } } : same(path)),
    }),
    recordTraffic(dir, 'equal', { requests: TRAFFIC, primary: same, candidate: same }),
  ])
})
afterAll(cleanup)

/** Runs `report` in a fresh working directory, so default output paths land there. */
async function report(name: string, ...args: string[]) {
  const cwd = join(dir, name)
  mkdirSync(cwd, { recursive: true })
  const result = await runCli(['report', ...args], { cwd })
  return { ...result, cwd }
}

describe('shadowdiff report formats', () => {
  it('json (the default) prints the report model to stdout', async () => {
    const { code, stdout, cwd } = await report('json', '--db', db, '--min-samples', '10')
    expect(code).toBe(0)
    const r = JSON.parse(stdout)
    expect(r.totals).toMatchObject({ served: 40, compared: 40, divergent: 10, divergenceRate: 0.25 })
    expect(r.endpoints.map((e: { method: string; route: string }) => `${e.method} ${e.route}`)).toEqual(['GET /api/orders/:id', 'GET /api/users/:id'])
    expect(r.endpoints[0].examples[0].patch).toEqual([{ op: 'replace', path: '/name', value: 'Bob' }])
    expect(r.verdict).toMatchObject({ ok: false, samples: 40, thresholds: { minSamples: 10 } })
    expect(existsSync(join(cwd, 'reports'))).toBe(false)
  })

  it('md prints the verdict, the totals and a ```diff fence to stdout', async () => {
    const [fail, pass] = await Promise.all([report('md', '--db', db, '--format', 'md'), report('md-pass', '--db', equal, '-f', 'md', '--min-samples', '40')])
    expect(fail.code).toBe(0)
    const md = fail.stdout
    expect(md).toMatch(/^## ❌ shadowdiff: FAIL\n/)
    expect(md).toContain('- too few samples: 40 compared &lt; 100 required (minSamples)')
    expect(md).toContain('| Served | Compared | Divergent | Rate |')
    expect(md).toMatch(/^\| 40 \| 40 \| 10 \| 25\.0% \| 0 \| 0 \(0 \/ 0\) \|/m)
    expect(md).toContain('| ❌ fail | `GET /api/orders/:id` | 10 | 10 | 100.0% |')
    const fence = /^```diff\n([\s\S]*?)\n```$/m.exec(md)
    expect(fence, md).not.toBeNull()
    expect(fence![1]).toContain('-  "name": "Ada",\n+  "name": "Bob",')

    expect(pass.code).toBe(0)
    expect(pass.stdout).toMatch(/^## ✅ shadowdiff: PASS\n/)
    expect(pass.stdout).toContain('No divergence on any of the 2 endpoints.')
    expect(pass.stdout).not.toContain('```')
  })

  it('html is written to reports/report.html and fetches nothing', async () => {
    const { code, stderr, cwd } = await report('html', '--db', db, '--format', 'html')
    expect(code).toBe(0)
    expect(stderr).toContain('wrote reports/report.html')
    const html = readFileSync(join(cwd, 'reports/report.html'), 'utf8')
    expect(html).toMatch(/^<!doctype html>/)
    expect(html).toContain('GET /api/orders/:id')
    expect(html).toContain('✕ FAIL')
    // Self-contained: no attribute points at another origin or a protocol-relative URL.
    expect(html.match(/\s(?:src|href|action|srcset|poster|data)\s*=\s*["']?\s*(?:https?:)?\/\//gi)).toBeNull()
    expect(html).not.toMatch(/<link\b[^>]*rel=["']?stylesheet/i)
    expect(html).not.toMatch(/<script\b[^>]*\ssrc=/i)
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src (?:'|&#39;)none(?:'|&#39;);/)
  })

  it('junit is written to reports/junit.xml: one testcase per endpoint, failures where the gate fails', async () => {
    const [fail, pass] = await Promise.all([
      report('junit', '--db', db, '--format', 'junit', '--min-samples', '10'),
      report('junit-pass', '--db', db, '--format', 'junit', '--min-samples', '10', '--max-divergence', '1'),
    ])
    expect(fail.code).toBe(0)
    expect(fail.stderr).toContain('wrote reports/junit.xml')
    const xml = readFileSync(join(fail.cwd, 'reports/junit.xml'), 'utf8')
    expect(xml).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="shadowdiff" tests="3" failures="2"/)
    const cases = [...xml.matchAll(/<testcase name="([^"]*)" classname="([^"]*)"[^>]*?(\/>|>[\s\S]*?<\/testcase>)/g)].map((m) => ({
      name: m[1],
      classname: m[2],
      failure: /<failure message="([^"]*)"/.exec(m[3])?.[1],
    }))
    expect(cases).toEqual([
      { name: 'gate: overall', classname: 'shadowdiff.gate', failure: 'divergence 25.0% &gt; 1.0% (10/40)' },
      { name: '/api/orders/:id', classname: 'shadowdiff.GET', failure: 'divergence 100.0% &gt; 1.0% (10/10)' },
      { name: '/api/users/:id', classname: 'shadowdiff.GET', failure: undefined },
    ])

    const passing = readFileSync(join(pass.cwd, 'reports/junit.xml'), 'utf8')
    expect(passing).toMatch(/<testsuites name="shadowdiff" tests="3" failures="0"/)
    expect(passing).not.toContain('<failure')
  })

  it('--out writes any format to a file (creating folders); --out - prints html to stdout', async () => {
    const [md, html] = await Promise.all([
      report('out', '--db', db, '--format', 'md', '--out', 'ci/summary/shadowdiff.md'),
      report('out-html', '--db', db, '--format', 'html', '--out', '-'),
    ])
    expect(md.code).toBe(0)
    expect(md.stdout).toBe('')
    expect(readFileSync(join(md.cwd, 'ci/summary/shadowdiff.md'), 'utf8')).toMatch(/^## ❌ shadowdiff: FAIL/)
    expect(html.code).toBe(0)
    expect(html.stdout).toMatch(/^<!doctype html>/)
    expect(existsSync(join(html.cwd, 'reports'))).toBe(false)
  })

  it('--config thresholds change the verdict the report shows', async () => {
    const example = join(import.meta.dirname, '../../examples/shadowdiff.yaml')
    // Flags win over the file: few samples here, and every endpoint judged however rare.
    const { code, stdout } = await report('config', '--db', db, '--format', 'md', '--config', example, '--min-samples', '10', '--min-endpoint-samples', '0')
    expect(code).toBe(0)
    // examples/shadowdiff.yaml allows 5% overall and lets GET /api/orders/:id diverge (an accepted change).
    expect(stdout).toMatch(/^## ❌ shadowdiff: FAIL\n/)
    expect(stdout).toContain('- divergence 25.0% &gt; 5.0% (10/40)')
    expect(stdout).not.toContain('- GET /api/orders/:id:')
    expect(stdout).toContain('| ✅ pass | `GET /api/orders/:id` | 10 | 10 | 100.0% |')
  })
})

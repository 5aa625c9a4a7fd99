/**
 * `shadowdiff gate` through the real binary, against databases recorded by
 * sending real traffic through the proxy: exit 0 pass, 1 fail (with each
 * failing endpoint and threshold named), 2 usage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCli } from '../helpers/cli.js'
import { recordTraffic, same, scratchDir } from '../gate/record-traffic.js'

const { dir, cleanup } = scratchDir()
const db = { equal: '', divergent: '', slow: '', errors: '' }
// 30 users (always equal) and 10 orders per recording: 40 compared.
const TRAFFIC = { '/api/users/1': 15, '/api/users/2': 15, '/api/orders/7': 10 }
const orders = (path: string) => path.startsWith('/api/orders')

beforeAll(async () => {
  ;[db.equal, db.divergent, db.slow, db.errors] = await Promise.all([
    recordTraffic(dir, 'equal', { requests: TRAFFIC, primary: same, candidate: same }),
    recordTraffic(dir, 'divergent', {
      requests: TRAFFIC,
      primary: same,
      candidate: (path) => (orders(path) ? { body: { path, name: 'Bob', tags: ['a', 'b'] } } : same(path)),
    }),
    recordTraffic(dir, 'slow', { requests: { '/api/users/1': 20 }, primary: same, candidate: (path) => ({ ...same(path), delayMs: 1500 }) }),
    recordTraffic(dir, 'errors', {
      requests: { '/api/users/1': 20, '/api/orders/7': 20 },
      primary: same,
      candidate: (path) => (orders(path) ? { status: 500, body: { error: 'boom' } } : same(path)),
    }),
  ])
})
afterAll(cleanup)

const gate = (...args: string[]) => runCli(['gate', ...args])

function configFile(name: string, text: string): string {
  const file = join(dir, name)
  writeFileSync(file, text)
  return file
}

describe('shadowdiff gate: exit 0 on pass, 1 on fail', () => {
  it('passes an equal candidate and fails a divergent one, naming the endpoint and threshold', async () => {
    const [pass, fail] = await Promise.all([gate('--db', db.equal, '--min-samples', '40'), gate('--db', db.divergent, '--min-samples', '40')])
    expect(pass.code).toBe(0)
    expect(pass.stdout).toMatch(/^PASS: of 40 compared exchanges, 0\.0% diverged \(1% allowed\) and 0\.0% were candidate errors \(1% allowed\)/)

    expect(fail.code).toBe(1)
    expect(fail.stdout).toMatch(/^FAIL \(2 reasons\): of 40 compared exchanges, 25\.0% diverged \(1% allowed\)/)
    expect(fail.stdout).toContain('  - divergence 25.0% > 1.0% (10/40)\n')
    expect(fail.stdout).toContain('  - GET /api/orders/:id: divergence 100.0% > 1.0% (10/10)\n')
    expect(fail.stdout).not.toContain('/api/users')
  })

  it('fails on too few samples: no evidence is not a pass', async () => {
    const { code, stdout } = await gate('--db', db.equal)
    expect(code).toBe(1)
    expect(stdout).toContain('too few samples: 40 compared < 100 required (minSamples)')
  })

  it('fails a candidate whose p99 latency exceeds the ratio, and ignores latency unless asked', async () => {
    const [off, on] = await Promise.all([
      gate('--db', db.slow, '--min-samples', '20'),
      gate('--db', db.slow, '--min-samples', '20', '--max-latency-ratio', '2'),
    ])
    expect(off.code, off.stdout).toBe(0)
    expect(off.stdout).toMatch(/^PASS: .*the candidate's p99 latency was \d+\.\d\d× the primary's \(not judged\)/)
    expect(on.code, on.stdout).toBe(1)
    // The candidate answers 1.5 s later than the primary: its p99 is at least that, and a primary slowed by a busy machine stays far below.
    const m = /  - latency p99 candidate (\d+(?:\.\d)?) ms \/ primary [\d.]+ ms = ([\d.]+)× > 2×/.exec(on.stdout)
    expect(m, on.stdout).not.toBeNull()
    expect(Number(m![1])).toBeGreaterThanOrEqual(1500)
    expect(on.stdout).toMatch(/  - GET \/api\/users\/:id: latency p99 candidate \d+ ms \/ primary [\d.]+ ms = [\d.]+× > 2×/)
  })

  it('fails on candidate 5xx where the primary answered, judged apart from divergence', async () => {
    const [strict, lenient] = await Promise.all([
      gate('--db', db.errors, '--min-samples', '40', '--max-divergence', '1'),
      gate('--db', db.errors, '--min-samples', '40', '--max-divergence', '1', '--max-error-rate', '60%'),
    ])
    expect(strict.code).toBe(1)
    expect(strict.stdout).toContain('  - candidate errors 50.0% > 1.0% (20/40: 20 5xx where the primary was not, 0 network/timeouts)\n')
    expect(strict.stdout).toContain('  - GET /api/orders/:id: candidate errors 100.0% > 1.0% (20/20: 20 5xx where the primary was not, 0 network/timeouts)\n')
    expect(strict.stdout).not.toMatch(/- .*divergence/)
    // 60% overall passes; the orders endpoint (100%) still fails its own limit.
    expect(lenient.code).toBe(1)
    expect(lenient.stdout).not.toContain('  - candidate errors 50.0%')
    expect(lenient.stdout).toContain('  - GET /api/orders/:id: candidate errors 100.0% > 60.0% (20/20: 20 5xx where the primary was not, 0 network/timeouts)\n')
  })

  it('--format json prints the verdict for machines, same exit code', async () => {
    const { code, stdout } = await gate('--db', db.divergent, '--min-samples', '10', '--format', 'json')
    expect(code).toBe(1)
    const verdict = JSON.parse(stdout)
    expect(verdict).toMatchObject({ ok: false, samples: 40, divergenceRate: 0.25, errorRate: 0, thresholds: { maxDivergence: 0.01, minSamples: 10 } })
    expect(verdict.failingEndpoints).toEqual([{ method: 'GET', route: '/api/orders/:id', reasons: ['divergence 100.0% > 1.0% (10/10)'] }])
  })
})

describe('shadowdiff gate --config: thresholds and per-endpoint overrides', () => {
  it('an override keyed "METHOD route" rescues one endpoint; without it the same endpoint fails', async () => {
    const rescued = configFile(
      'rescue.yaml',
      `gate:
  maxDivergence: 0.3
  minSamples: 10
  endpoints:
    "GET /api/orders/:id": { maxEndpointDivergence: 1 }
`,
    )
    const plain = configFile('plain.yaml', 'gate:\n  maxDivergence: 0.3\n  minSamples: 10\n')
    const [ok, fails] = await Promise.all([gate('--db', db.divergent, '--config', rescued), gate('--db', db.divergent, '--config', plain)])
    expect(ok.code).toBe(0)
    expect(ok.stdout).toMatch(/^PASS: of 40 compared exchanges, 25\.0% diverged \(30% allowed\)/)
    expect(fails.code).toBe(1)
    expect(fails.stdout).toContain('  - GET /api/orders/:id: divergence 100.0% > 30.0% (10/10)\n')
    expect(fails.stdout).not.toContain('  - divergence 25.0%')
  })

  it('an override keyed by route alone fails an endpoint that would pass; flags win over the file', async () => {
    const file = configFile(
      'floor.json',
      JSON.stringify({ gate: { minSamples: 10, endpoints: { '/api/users/:id': { minEndpointSamples: 100 } } } }),
    )
    const [floor, flagWins] = await Promise.all([gate('--db', db.equal, '--config', file), gate('--db', db.equal, '--config', file, '--min-samples', '41')])
    expect(floor.code).toBe(1)
    expect(floor.stdout).toContain('  - GET /api/users/:id: too few samples: 30 compared < 100 required (minEndpointSamples)\n')
    expect(floor.stdout).not.toContain('/api/orders')
    expect(flagWins.code).toBe(1)
    expect(flagWins.stdout).toContain('too few samples: 40 compared < 41 required (minSamples)')
  })
})

describe('shadowdiff gate: time windows', () => {
  it('--last includes recent traffic; --until or --since outside it leaves too few samples', async () => {
    const [last, until, since] = await Promise.all([
      gate('--db', db.equal, '--min-samples', '40', '--last', '10m'),
      gate('--db', db.equal, '--min-samples', '40', '--until', '2020-01-01T00:00:00Z'),
      gate('--db', db.equal, '--min-samples', '40', '--since', String(Date.now() + 3_600_000)),
    ])
    expect(last.code).toBe(0)
    expect(last.stdout).toMatch(/^PASS: of 40 compared exchanges/)
    for (const r of [until, since]) {
      expect(r.code).toBe(1)
      expect(r.stdout).toContain('too few samples: 0 compared < 40 required (minSamples)')
    }
  })
})

describe('shadowdiff gate: exit 2 on usage errors, with the reason', () => {
  it('bad flags: format, threshold values, windows, unknown options', async () => {
    const cases: [string[], RegExp][] = [
      [['--format', 'yaml'], /--format: expected text or json, got 'yaml'/],
      [['--max-error-rate', '2'], /--max-error-rate: expected a rate from 0 to 1 \(or a percentage like 1%\), got '2'/],
      [['--min-samples', '1.5'], /--min-samples: expected a whole number ≥ 0, got '1.5'/],
      [['--last', 'soon'], /--last: expected a duration like 30s, 15m or 2h, got 'soon'/],
      [['--since', '2030-01-02T00:00:00Z', '--until', '2030-01-01T00:00:00Z'], /--since must be before --until/],
      [['--treshold', '1'], /SHD_USAGE: unknown flag '--treshold'/],
      [['--max-divergance', '1'], /unknown flag '--max-divergance' \(did you mean --max-divergence\?\)/],
      [['--max-divergence', '-1'], /--max-divergence: expected a rate from 0 to 1 \(or a percentage like 1%\), got '-1'/],
      [['--admin', 'http://x'], /--admin is a status flag \(also split, promote, rollback\), not a gate flag/],
    ]
    // In parallel: each is a process start, and they are independent.
    const [help, ...results] = await Promise.all([gate('--help'), ...cases.map(([args]) => gate('--db', db.equal, ...args))])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Exit status: 0 pass, 1 fail, 2 usage or unreadable database, 3 inconclusive (--confidence only).')
    // The help is wrapped to the width: compare its words.
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('gate.endpoints keyed "GET /api/users/:id" or "/api/users/:id"')
    expect(help.stdout).toMatch(/--max-endpoint-divergence RATE +per endpoint divergence at most\s+\(default the --max-divergence value\)/)
    results.forEach(({ code, stderr, stdout }, i) => {
      const [args, message] = cases[i]
      expect(code, args.join(' ')).toBe(2)
      expect(stdout, args.join(' ')).toBe('')
      expect(stderr, args.join(' ')).toMatch(message)
      expect(stderr).toContain("Run 'shadowdiff gate --help' for usage.")
    })
  })

  it('a bad gate section names the key and what was expected', async () => {
    const typo = configFile('typo.yaml', 'gate:\n  maxDivergance: 0.1\n  endpoints:\n    "GET /x": { maxErrorRate: 3 }\n')
    const notMap = configFile('list.yaml', 'gate:\n  - maxDivergence: 0.1\n')
    const [a, b, c] = await Promise.all([
      gate('--db', db.equal, '--config', typo),
      gate('--db', db.equal, '--config', notMap),
      gate('--db', db.equal, '--config', join(dir, 'missing.yaml')),
    ])
    expect(a.code).toBe(2)
    expect(a.stderr).toContain('gate.maxDivergance is not a threshold')
    expect(a.stderr).toContain("gate.endpoints['GET /x'].maxErrorRate must be a fraction from 0 to 1 (0.01 = 1 %), got 3")
    expect(b.code).toBe(2)
    expect(b.stderr).toMatch(/gate: expected a mapping of thresholds/)
    expect(c.code).toBe(2)
    expect(c.stderr).toMatch(/--config .*missing\.yaml: cannot read the file \(ENOENT\)/)
  })
})

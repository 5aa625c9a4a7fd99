/**
 * `shadowdiff replay` through the real binary exits with the gate's code:
 * 0 pass, 1 fail, 2 usage or unreadable input; malformed records are
 * reported as FILE:LINE, skipped and counted, and end a --strict run with 2.
 */
import { describe, expect, it } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { tempDir } from '../helpers/proxy.js'
import { runCli } from '../helpers/cli.js'
import { captureLine, divergentSet, jsonService, replay, writeLines } from './replay-kit.js'

const paths = (n: number) => Array.from({ length: n }, (_, i) => `/api/items/${i}`)

// Each test runs the real CLI several times on a shared 2-core machine.
describe('replay exit codes', { timeout: 120_000 }, () => {
  it('exits 0 when the candidate answers like the primary, and prints the summary and the verdict', async () => {
    const primary = await jsonService()
    const candidate = await jsonService()
    const secondary = await jsonService()
    const dir = tempDir()
    const file = writeLines(dir, 'captured.ndjson', paths(20).map((p) => captureLine('GET', `http://shop.example${p}`)))
    // Production's config file, as it is: its listeners, admin API and capture are ignored, its gate applies.
    const config = join(dir, 'shadowdiff.yaml')
    writeFileSync(config, `adminHost: 0.0.0.0\nport: 80\ncapture: { file: ${join(dir, 'prod.ndjson')} }\ngate: { minSamples: 20 }\n`)
    const run = await replay(['--from', file, '--primary', primary.url, '--candidate', candidate.url, '--secondary', secondary.url, '--config', config], { dir })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/^replay .*captured\.ndjson \(ndjson\): sent 20 in [\d.]+ s \(\d+\/s\), compared 20, divergent 0 \(0\.0%\), errors 0\n/)
    expect(run.stdout).toContain('  GET /api/items/:id: 0/20 divergent\n')
    expect(run.stdout).toMatch(/\nPASS: of 20 compared exchanges, 0\.0% diverged/)
    expect(primary.received).toHaveLength(20)
    expect(candidate.received).toHaveLength(20)
    expect(secondary.received).toHaveLength(20)
    expect(divergentSet(run.db)).toEqual([])
  })

  it('exits 1 when the candidate differs, naming the endpoint; too few samples fails too', async () => {
    const primary = await jsonService()
    const candidate = await jsonService((_m, path) => path === '/api/items/3' || path === '/api/orders/1')
    const dir = tempDir()
    const file = writeLines(dir, 'captured.ndjson', [...paths(10), '/api/orders/1'].map((p) => captureLine('GET', `http://shop.example${p}`)))
    const [fail, few] = await Promise.all([
      replay(['--from', file, '--primary', primary.url, '--candidate', candidate.url, '--min-samples', '5', '--max-divergence', '0.5', '--max-endpoint-divergence', '0.5'], { dir }),
      replay(['--from', file, '--primary', primary.url, '--candidate', primary.url]),
    ])
    expect(fail.code, fail.stderr).toBe(1)
    expect(fail.stdout).toContain('  - GET /api/orders/:id: divergence 100.0% > 50.0% (1/1)')
    expect(divergentSet(fail.db)).toEqual(['GET /api/items/3', 'GET /api/orders/1'])
    // The replay's database is a database like any other: diffs and gate read it unchanged.
    const [diffs, gate] = await Promise.all([
      runCli(['diffs', '--db', fail.db], { cwd: dir }),
      runCli(['gate', '--db', fail.db, '--min-samples', '5', '--max-divergence', '0.5', '--max-endpoint-divergence', '0.5'], { cwd: dir }),
    ])
    expect(diffs.stdout.trim().split('\n').map((l) => JSON.parse(l).url).sort()).toEqual(['/api/items/3', '/api/orders/1'])
    expect(gate.code).toBe(1)
    expect(fail.stdout).toContain(gate.stdout.trim())
    expect(few.code).toBe(1)
    expect(few.stdout).toContain('too few samples: 11 compared < 100 required (minSamples)')
  })

  it('exits 2 on usage errors and unreadable input, with a one-line reason', async () => {
    const primary = await jsonService()
    const dir = tempDir()
    const good = writeLines(dir, 'ok.ndjson', [captureLine('GET', 'http://x/a')])
    writeFileSync(join(dir, 'broken.gz'), gzipSync(Buffer.from(captureLine('GET', 'http://x/a') + '\n')).subarray(0, 30))
    writeFileSync(join(dir, 'mystery.bin'), 'hello world\n')
    mkdirSync(join(dir, 'folder.ndjson'))
    const cases: [string[], RegExp][] = [
      [['--primary', primary.url, '--candidate', primary.url], /--from FILE is required/],
      [['--from', good, '--candidate', primary.url], /--primary URL is required/],
      [['--from', join(dir, 'nope.ndjson'), '--primary', primary.url, '--candidate', primary.url], /Cannot read .*nope\.ndjson: no such file/],
      [['--from', join(dir, 'folder.ndjson'), '--primary', primary.url, '--candidate', primary.url], /Cannot read .*folder\.ndjson: is a directory/],
      [['--from', join(dir, 'broken.gz'), '--primary', primary.url, '--candidate', primary.url], /Cannot read .*broken\.gz: not valid gzip/],
      [['--from', join(dir, 'mystery.bin'), '--primary', primary.url, '--candidate', primary.url], /cannot tell its format/],
      [['--from', good, '--primary', primary.url, '--candidate', primary.url, '--rate', '5/s', '--speed', '2x'], /--rate and --speed are exclusive/],
      [['--from', good, '--primary', primary.url, '--candidate', primary.url, '--rate', 'fast'], /--rate: expected requests per second such as 50\/s/],
      [['--from', good, '--primary', primary.url, '--candidate', primary.url, '--header', 'no colon'], /--header: expected 'Name: value'/],
      [['--from', good, '--primary', primary.url, '--candidate', primary.url, '--report', 'pdf'], /--report: expected one of json, md, html, junit, got 'pdf'/],
      [['--from', good, '--primary', primary.url, '--candidate', primary.url, '--concurrency', '0'], /--concurrency: expected a whole number from 1/],
      [['--from', good, '--primary', 'ftp://x', '--candidate', primary.url], /primary must be an http:\/\/ or https:\/\/ URL/],
      [['--from', good, '--primary', primary.url, '--candidate', primary.url, '--bogus'], /SHD_USAGE: unknown flag '--bogus'/],
    ]
    // Four at a time: thirteen processes at once would only fight over two cores.
    const runs: Awaited<ReturnType<typeof replay>>[] = []
    for (let i = 0; i < cases.length; i += 4) runs.push(...(await Promise.all(cases.slice(i, i + 4).map(([args]) => replay(args, { dir })))))
    runs.forEach((run, i) => {
      expect(run.code, `${cases[i][0].join(' ')}\n${run.stderr}`).toBe(2)
      expect(run.stderr).toMatch(cases[i][1])
      expect(run.stdout).toBe('')
    })
    expect(primary.received).toHaveLength(0)
  })

  it('reports malformed records as FILE:LINE, skips and counts them; --strict stops at the first with 2', async () => {
    const primary = await jsonService()
    const dir = tempDir()
    const lines = [
      captureLine('GET', 'http://x/api/a'),
      '{"method": "GET", "url": "http://x/b", "headers": [',
      '',
      captureLine('GET', 'http://x/api/c'),
      JSON.stringify({ method: 'GET', url: '/relative', headers: [] }),
      JSON.stringify({ method: 'GET', url: 'http://x/d', headers: [{ name: 'x' }] }),
      JSON.stringify({ method: 'G E T', url: 'http://x/e', headers: [] }),
      JSON.stringify({ method: 'POST', url: 'http://x/f', headers: [], postData: { mimeType: 'a/b', text: '%%%', _encoding: 'base64' } }),
      JSON.stringify({ method: 'GET', url: 'data:text/plain,hi', headers: [] }),
      captureLine('GET', 'http://x/api/g'),
    ]
    const file = writeLines(dir, 'mixed.ndjson', lines)
    const args = ['--from', file, '--primary', primary.url, '--candidate', primary.url, '--min-samples', '3']
    const [lenient, strict] = await Promise.all([replay(args, { dir }), replay([...args, '--strict'])])
    expect(lenient.code, lenient.stderr).toBe(0)
    const reported = lenient.stderr.split('\n').filter((l) => l.startsWith(file))
    expect(reported).toEqual([
      expect.stringMatching(new RegExp(`^${file}:2: not valid JSON: `)),
      `${file}:5: url: expected an absolute URL such as http://host/path, got "/relative"`,
      `${file}:6: headers[0]: expected {name, value} with string values, got {"name":"x"}`,
      `${file}:7: method: expected an HTTP method such as GET, got "G E T"`,
      `${file}:8: postData.text: not valid base64 (postData._encoding is base64)`,
    ])
    expect(lenient.stdout).toContain('sent 3 in')
    expect(lenient.stdout).toContain('skipped: 1 non-HTTP URLs, 5 malformed\n')

    expect(strict.code).toBe(2)
    expect(strict.stderr).toContain(`${file}:2: not valid JSON`)
    expect(strict.stderr).toContain(`replay: stopped at the first malformed record (--strict): ${file}:2`)
    expect(strict.stderr).not.toContain(`${file}:5:`)
    expect(strict.stdout).toBe('')
  })
})

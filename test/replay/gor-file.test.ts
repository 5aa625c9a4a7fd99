/**
 * GoReplay's file format, written by the test as GoReplay documents it
 * (docs/Saving-and-Replaying-from-file.md, protocol.go): a meta line
 * `1 <id> <timestamp-ns> <latency>`, the raw HTTP request, records separated
 * by "\n🐵🙈🙉\n", responses (type 2) in between, optionally gzipped.
 * The upstream sees each request as recorded: method, path, query, headers
 * (less the recorded Host and hop-by-hop ones) and the exact body bytes.
 */
import { describe, expect, it } from 'vitest'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { startUpstream } from '../helpers/upstream.js'
import { tempDir } from '../helpers/proxy.js'
import { runCli } from '../helpers/cli.js'
import { replay } from './replay-kit.js'

interface Seen {
  method: string
  url: string
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

async function recordingUpstream(): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = []
  const url = await startUpstream((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) })
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ ok: true, url: req.url }))
    })
  })
  return { url, seen }
}

const SEP = '\n🐵🙈🙉\n'
const T0 = 1_733_000_000_000_000_000n // ns
const BINARY = Buffer.from([0xff, 0x00, 0xfe, 0x0a, 0x0d, 0x80, 0x7f])

function gorFile(): Buffer {
  const record = (type: number, id: string, ns: bigint, latency: number, payload: Buffer | string) =>
    Buffer.concat([Buffer.from(`${type} ${id} ${ns} ${latency}\n`), Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'latin1'), Buffer.from(SEP)])
  return Buffer.concat([
    record(1, 'a1b2c3d4e5f6a1b2c3d4e5f6', T0, 0, 'GET /api/users/1?fields=name HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: gor-test\r\nX-Trace: t-1\r\nConnection: keep-alive\r\n\r\n'),
    record(2, 'a1b2c3d4e5f6a1b2c3d4e5f6', T0, 1_234_567, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'),
    record(1, 'b1b2c3d4e5f6a1b2c3d4e5f6', T0 + 1_000_000n, 0, 'POST /api/orders HTTP/1.1\r\nHost: shop.example\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{"sku":"A-100"}'),
    record(1, 'c1b2c3d4e5f6a1b2c3d4e5f6', T0 + 2_000_000n, 0, 'POST /api/upload HTTP/1.1\r\nHost: shop.example\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n'),
    record(1, 'd1b2c3d4e5f6a1b2c3d4e5f6', T0 + 3_000_000n, 0, Buffer.concat([Buffer.from(`PUT /api/blob HTTP/1.1\r\nHost: shop.example\r\nContent-Type: application/octet-stream\r\nContent-Length: ${BINARY.length}\r\n\r\n`), BINARY])),
  ])
}

function expectRecorded(seen: Seen[]): void {
  expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(['GET /api/users/1?fields=name', 'POST /api/orders', 'POST /api/upload', 'PUT /api/blob'])
  const [get, post, chunked, put] = seen
  expect(get.headers['user-agent']).toBe('gor-test')
  expect(get.headers['x-trace']).toBe('t-1')
  expect(get.headers.host).toMatch(/^127\.0\.0\.1:\d+$/)
  expect(get.headers['x-shadowdiff-mirror']).toBe('replay')
  expect(post.body.toString()).toBe('{"sku":"A-100"}')
  expect(post.headers['content-length']).toBe('15')
  expect(chunked.body.toString()).toBe('hello world')
  expect(chunked.headers['transfer-encoding']).toBeUndefined()
  expect(put.body.equals(BINARY)).toBe(true)
}

// Each test runs the real CLI several times on a shared 2-core machine.
describe('replaying GoReplay files', { timeout: 120_000 }, () => {
  it('plain, gzipped (.gor.gz) and sniffed (no extension): the same requests reach both sides; responses are skipped and counted', async () => {
    const dir = tempDir()
    const plain = join(dir, 'requests.gor')
    writeFileSync(plain, gorFile())
    writeFileSync(join(dir, 'requests.gor.gz'), gzipSync(gorFile()))
    writeFileSync(join(dir, 'requests-2024-06-01'), gzipSync(gorFile()))
    for (const name of ['requests.gor', 'requests.gor.gz', 'requests-2024-06-01']) {
      const primary = await recordingUpstream()
      const candidate = await recordingUpstream()
      const run = await replay(['--from', join(dir, name), '--primary', primary.url, '--candidate', candidate.url, '--allow-unsafe', '--concurrency', '1', '--min-samples', '4'], { dir })
      expect(run.code, `${name}\n${run.stdout}${run.stderr}`).toBe(0)
      expect(run.stdout).toContain(`(gor): sent 4 in`)
      expect(run.stdout).toContain('skipped: 1 responses (.gor type 2/3)')
      expectRecorded(primary.seen)
      expectRecorded(candidate.seen)
      // Same id on both sides of an exchange, a new one per exchange.
      expect(primary.seen.map((s) => s.headers['x-request-id'])).toEqual(candidate.seen.map((s) => s.headers['x-request-id']))
      expect(new Set(primary.seen.map((s) => s.headers['x-request-id'])).size).toBe(4)
    }
  })

  it('--header replaces a recorded header on every side, --keep-host sends the recorded Host, --filter-* and --limit choose', async () => {
    const dir = tempDir()
    const file = join(dir, 'requests.gor')
    writeFileSync(file, gorFile())
    const primary = await recordingUpstream()
    const run = await replay(['--from', file, '--primary', primary.url, '--candidate', primary.url, '--allow-unsafe', '--concurrency', '1', '--keep-host', '--header', 'X-Trace: fresh', '--header', 'Authorization: Bearer ci-token', '--min-samples', '1'], { dir })
    expect(run.code, run.stderr).toBe(0)
    const gets = primary.seen.filter((s) => s.method === 'GET')
    expect(gets).toHaveLength(2)
    for (const g of gets) expect(g.headers).toMatchObject({ host: 'shop.example', 'x-trace': 'fresh', authorization: 'Bearer ci-token' })

    const filtered = await recordingUpstream()
    const only = await replay(['--from', file, '--primary', filtered.url, '--candidate', filtered.url, '--allow-unsafe', '--concurrency', '1', '--filter-method', 'POST,PUT', '--filter-path', '/api/*', '--limit', '2', '--min-samples', '1'], { dir })
    expect(only.code, only.stderr).toBe(0)
    expect(filtered.seen.map((s) => `${s.method} ${s.url}`)).toEqual(['POST /api/orders', 'POST /api/orders', 'POST /api/upload', 'POST /api/upload'])
    expect(only.stdout).toContain('skipped: 1 filtered out, 1 responses (.gor type 2/3)')
  })

  it('capture export --format gor writes GoReplay records that replay to the same requests', async () => {
    const dir = tempDir()
    const source = join(dir, 'requests.gor')
    writeFileSync(source, gorFile())
    const exported = join(dir, 'exported.gor')
    const out = await runCli(['capture', 'export', '--from', source, '--format', 'gor', '--out', exported], { cwd: dir })
    expect(out.code, out.stderr).toBe(0)
    expect(out.stderr).toContain('capture export: wrote 4 GoReplay records to')
    const text = readFileSync(exported)
    const records = text.toString('latin1').split(Buffer.from(SEP).toString('latin1')).filter(Boolean)
    expect(records).toHaveLength(4)
    for (const r of records) expect(r).toMatch(/^1 [0-9a-f]{24} 17330000\d{11} 0\n[A-Z]+ \/api\/\S+ HTTP\/1\.1\r\n/)
    expect(records[0].split('\n')[0].split(' ')[2]).toBe(String(T0))
    const primary = await recordingUpstream()
    const run = await replay(['--from', exported, '--primary', primary.url, '--candidate', primary.url, '--allow-unsafe', '--concurrency', '1', '--min-samples', '4'], { dir })
    expect(run.code, run.stderr).toBe(0)
    expectRecorded(primary.seen.filter((_s, i) => i % 2 === 0))
  })
})

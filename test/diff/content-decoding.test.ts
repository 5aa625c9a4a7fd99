import zlib from 'node:zlib'
import { createHash, randomBytes } from 'node:crypto'
import type http from 'node:http'
import { describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { getExchange, listDivergences } from '../../src/store/list-divergences.js'
import type { CapturedResponse, ComparedExchange } from '../../src/types.js'
import { decodeSide } from '../../src/diff/decode-body.js'
import { compareResponses } from '../../src/diff/compare-responses.js'
import { DEFAULT_POLICY } from '../../src/diff/default-policy.js'

type Coding = 'br' | 'gzip' | 'x-gzip' | 'deflate' | 'raw-deflate' | 'plain'

function encode(coding: Coding, body: Buffer): { body: Buffer; header?: string } {
  switch (coding) {
    case 'br':
      return { body: zlib.brotliCompressSync(body), header: 'br' }
    case 'gzip':
    case 'x-gzip':
      return { body: zlib.gzipSync(body), header: coding }
    case 'deflate':
      return { body: zlib.deflateSync(body), header: 'deflate' }
    case 'raw-deflate':
      return { body: zlib.deflateRawSync(body), header: 'deflate' }
    case 'plain':
      return { body }
  }
}

/** An upstream answering `doc(id)` as JSON in `coding` (the id is the last path segment). */
function service(coding: Coding, doc: (id: number) => unknown): Promise<string> {
  return startUpstream((req: http.IncomingMessage, res: http.ServerResponse) => {
    const id = Number(req.url!.split('/').pop())
    const { body, header } = encode(coding, Buffer.from(JSON.stringify(doc(id))))
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length, ...(header && { 'content-encoding': header }), vary: 'accept-encoding' })
    res.end(body)
  })
}

async function run(primary: string, candidate: string, count: number, config: Record<string, unknown> = {}) {
  const { app, proxyUrl, db } = await startProxy({ primary, candidate, ...config })
  const seen: ComparedExchange[] = []
  app.compare.observe((ex) => seen.push(ex))
  for (let id = 0; id < count; id++) {
    const res = await request(`${proxyUrl}/items/${id}`, { headers: { 'accept-encoding': 'gzip, deflate, br, zstd' } })
    await res.body.dump()
  }
  await app.drain()
  return { app, db, seen: seen.sort((a, b) => Number(a.request.url.split('/').pop()) - Number(b.request.url.split('/').pop())) }
}

const item = (id: number) => ({ id, name: `item ${id}`, tags: ['a', 'b'], price: 9.99 })
// Every third item differs: a renamed name and a changed price.
const changed = (id: number) => (id % 3 === 0 ? { ...item(id), name: `Item ${id}`, price: 10.99 } : item(id))

describe('bodies are compared after content decoding', () => {
  const pairs: [Coding, Coding][] = [
    ['br', 'plain'],
    ['gzip', 'plain'],
    ['plain', 'br'],
    ['plain', 'gzip'],
    ['x-gzip', 'deflate'],
    ['raw-deflate', 'br'],
  ]

  it.each(pairs)('primary %s, candidate %s, equal content: no divergence', async (pc, cc) => {
    const { seen, app } = await run(await service(pc, item), await service(cc, item), 4)
    expect(seen).toHaveLength(4)
    expect(seen.map((ex) => ex.divergences)).toEqual([[], [], [], []])
    expect(app.stats.divergent).toBe(0)
  })

  it.each(pairs.slice(0, 4))('primary %s, candidate %s, different content: the patch of the decoded JSON, and the store keeps decoded bodies', async (pc, cc) => {
    const { seen, db, app } = await run(await service(pc, item), await service(cc, changed), 3)
    expect(seen[0].divergences).toEqual([
      {
        kind: 'body',
        ops: [
          { op: 'replace', path: '/name', value: 'Item 0' },
          { op: 'replace', path: '/price', value: 10.99 },
        ],
      },
    ])
    expect(seen[1].divergences).toEqual([])
    expect(seen[2].divergences).toEqual([])
    // The decoded body is what the store receives, marked as decoded.
    const encoded = pc === 'plain' ? seen[0].candidate : seen[0].primary
    expect(encoded).toMatchObject({ ok: true, encoding: { name: pc === 'plain' ? cc : pc, decoded: true } })
    await app.close()
    const [row] = listDivergences([db])
    expect(row.patch).toEqual([
      { op: 'replace', path: '/name', value: 'Item 0' },
      { op: 'replace', path: '/price', value: 10.99 },
    ])
    const stored = getExchange([db], row.id)!
    expect(JSON.parse(stored.primaryBody!.toString('utf8'))).toEqual(item(0))
    expect(JSON.parse(stored.candidateBody!.toString('utf8'))).toEqual(changed(0))
  })

  it('a secondary answering gzip teaches the noise of its decoded body: a fresh requestId is noise, a changed name is not', async () => {
    const doc = (id: number) => ({ ...changed(id), requestId: crypto.randomUUID() })
    const noisy = (id: number) => ({ ...item(id), requestId: crypto.randomUUID() })
    const { app, proxyUrl } = await startProxy({ primary: await service('br', noisy), secondary: await service('gzip', noisy), candidate: await service('plain', doc) })
    const seen: ComparedExchange[] = []
    app.compare.observe((ex) => seen.push(ex))
    for (let id = 0; id < 3; id++) await (await request(`${proxyUrl}/items/${id}`)).body.dump()
    await app.drain()
    const byId = (id: number) => seen.find((ex) => ex.request.url === `/items/${id}`)!
    // content-encoding and vary differ between the sides; with a secondary every header is compared.
    const bodyOps = (id: number) => byId(id).divergences.filter((d) => d.kind === 'body')
    expect(bodyOps(0)).toEqual([{ kind: 'body', ops: [{ op: 'replace', path: '/name', value: 'Item 0' }, { op: 'replace', path: '/price', value: 10.99 }] }])
    expect(bodyOps(1)).toEqual([])
    expect(byId(1).divergences).toEqual([{ kind: 'header', name: 'content-encoding', primary: 'br' }])
  })

  it('a different content-encoding is a header difference only, reported when headers are compared', async () => {
    const primary = await service('br', item)
    const candidate = await service('plain', item)
    const rules = { rules: [{ compare: { headers: ['content-encoding'] } }] }
    const { tempDir } = await import('../helpers/proxy.js')
    const { writeFileSync } = await import('node:fs')
    const file = `${tempDir()}/headers.json`
    writeFileSync(file, JSON.stringify(rules))
    const { seen } = await run(primary, candidate, 2, { rules: file })
    expect(seen.map((ex) => ex.divergences)).toEqual([
      [{ kind: 'header', name: 'content-encoding', primary: 'br' }],
      [{ kind: 'header', name: 'content-encoding', primary: 'br' }],
    ])
  })

  it('a decompression bomb stops at the capture cap: an error divergence naming the encoding, nothing decoded beyond the cap', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20))
    expect(bomb.length).toBeLessThan(256 * 1024)
    const primary = await service('plain', item)
    const candidate = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': bomb.length })
      res.end(bomb)
    })
    const started = performance.now()
    const { seen, app, db } = await run(primary, candidate, 2)
    expect(performance.now() - started).toBeLessThan(20_000)
    expect(seen[0].divergences).toEqual([
      { kind: 'error', code: 'DECODE_TOO_LARGE', message: expect.stringMatching(/^candidate: gzip body of \d+ bytes decodes to more than the capture cap \(262144 bytes\)/) },
    ])
    // The encoded bytes are neither compared as content nor stored.
    expect(seen[0].candidate).toMatchObject({ ok: true, complete: false, encoding: { name: 'gzip', decoded: false, problem: 'decoded-too-large' } })
    expect(seen[0].candidate.ok && seen[0].candidate.body.length).toBe(0)
    await app.close()
    const stored = getExchange([db], listDivergences([db])[0].id)!
    // No decoded content to keep, and the encoded bytes are never stored (detail-row.ts).
    expect(stored.candidateBody?.toString()).toBe('[encoded body not stored]')
  })

  it('a body that fails to decode is an error divergence naming the side and the encoding', async () => {
    const primary = await service('br', item)
    const candidate = await startUpstream((_req, res) => {
      const body = zlib.gzipSync(Buffer.from(JSON.stringify(item(0)))).subarray(0, 20)
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': body.length })
      res.end(body)
    })
    const { seen } = await run(primary, candidate, 1)
    expect(seen[0].divergences).toEqual([
      { kind: 'error', code: 'DECODE_FAILED', message: expect.stringMatching(/^candidate: gzip body of 20 bytes could not be decoded: unexpected end of file/) },
    ])
  })

  it('zstd: Node 20 has no decoder; the same zstd bytes on both sides are equal, zstd against plain cannot be compared and says so', async () => {
    const zstdLike = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3, 4])
    const zstd = () =>
      startUpstream((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'zstd', 'content-length': zstdLike.length })
        res.end(zstdLike)
      })
    const same = await run(await zstd(), await zstd(), 1)
    expect(same.seen[0].divergences).toEqual([])
    const other = await run(await zstd(), await service('plain', item), 1)
    expect(other.seen[0].divergences).toEqual([
      { kind: 'error', code: 'DECODE_UNSUPPORTED', message: 'primary: content-encoding zstd: this Node version has no zstd decoder' },
    ])
  })
})

describe('decodeSide (unit)', () => {
  const captured = (body: Buffer, headers: Record<string, string>, cap = 1024): CapturedResponse => ({
    ok: true,
    status: 200,
    headers: { 'content-type': 'application/json', ...headers },
    body: body.subarray(0, cap),
    size: body.length,
    complete: body.length <= cap,
    ...(body.length > cap && { sha256: createHash('sha256').update(body).digest('hex') }),
    latencyMs: 1,
  })

  it('decodes a list of codings, last applied first; identity is no coding', () => {
    const json = Buffer.from('{"a":1}')
    const twice = zlib.brotliCompressSync(zlib.gzipSync(json))
    const d = decodeSide(captured(twice, { 'content-encoding': 'gzip, br' }), 1024)
    expect(d.body.toString()).toBe('{"a":1}')
    expect(d.encoding).toEqual({ name: 'gzip, br', decoded: true, encodedSize: twice.length })
    const plain = captured(json, { 'content-encoding': 'identity' })
    expect(decodeSide(plain, 1024)).toBe(plain)
  })

  it('two encoded bodies beyond the cap with the same coding are compared by the hash of their bytes, as any body beyond the cap', () => {
    const big = zlib.gzipSync(Buffer.from(JSON.stringify({ data: randomBytes(4096).toString('hex') })))
    const other = zlib.gzipSync(Buffer.from(JSON.stringify({ data: randomBytes(4096).toString('hex') })))
    const side = (b: Buffer) => decodeSide(captured(b, { 'content-encoding': 'gzip' }, 1024), 1024)
    expect(side(big).encoding).toMatchObject({ decoded: false, problem: 'encoded-too-large' })
    expect(compareResponses(side(big), side(big), DEFAULT_POLICY)).toEqual([])
    expect(compareResponses(side(big), side(other), DEFAULT_POLICY)).toEqual([
      { kind: 'body', sha256: { primary: expect.any(String), candidate: expect.any(String) }, size: { primary: big.length, candidate: other.length } },
    ])
    // Against a plain body there is nothing to compare within the cap: said, not guessed.
    const plain = captured(Buffer.from('{"a":1}'), {})
    expect(compareResponses(side(big), plain, DEFAULT_POLICY)).toEqual([
      { kind: 'error', code: 'DECODE_TOO_LARGE', message: expect.stringMatching(/^primary: gzip body of \d+ bytes is larger than the capture cap \(1024 bytes\)/) },
    ])
  })
})

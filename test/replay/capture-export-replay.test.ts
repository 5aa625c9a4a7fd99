/**
 * The whole loop: live traffic through `serve --capture`, the capture
 * exported to HAR (and read back as capture lines), replayed against the
 * same two builds: the replay flags exactly what the live run flagged.
 */
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { request } from 'undici'
import { startProxy, tempDir } from '../helpers/proxy.js'
import { runCli } from '../helpers/cli.js'
import { divergentSet, jsonService, replay } from './replay-kit.js'

// Each test runs the real CLI several times on a shared 2-core machine.
describe('capture → export → replay', { timeout: 120_000 }, () => {
  it('the replay of the exported HAR flags the same requests as the live run', async () => {
    const differs = (method: string, path: string) => path === '/api/orders/2' || path.startsWith('/api/search') || (method === 'POST' && path === '/api/carts')
    const primary = await jsonService()
    const candidate = await jsonService(differs)
    const dir = tempDir()
    const capture = join(dir, 'captured.ndjson')
    const { app, proxyUrl, db: liveDb } = await startProxy({
      primary: primary.url,
      candidate: candidate.url,
      mirror: { methods: ['GET', 'HEAD', 'POST'] },
      capture: { file: capture },
    })
    const calls: [string, string, string?][] = []
    for (let i = 0; i < 4; i++) calls.push(['GET', `/api/orders/${i}?expand=items`], ['GET', `/api/users/${i}`])
    calls.push(['GET', '/api/search?q=gear%20box'], ['HEAD', '/api/users/1'], ['POST', '/api/carts', '{"sku":"A-1","qty":2}'], ['POST', '/api/notes', 'plain text note'])
    for (const [method, path, body] of calls) {
      const res = await request(proxyUrl + path, { method: method as 'GET', body, headers: body ? { 'content-type': body.startsWith('{') ? 'application/json' : 'text/plain' } : {} })
      await res.body.dump()
      expect(res.statusCode).toBe(200)
    }
    await app.close()
    const live = divergentSet(liveDb)
    expect(live).toEqual(['GET /api/orders/2?expand=items', 'GET /api/search?q=gear%20box', 'POST /api/carts'])

    const har = join(dir, 'captured.har')
    const exported = await runCli(['capture', 'export', '--from', capture, '--format', 'har', '--out', har], { cwd: dir })
    expect(exported.code, exported.stderr).toBe(0)
    expect(exported.stderr).toContain(`wrote ${calls.length} HAR entries`)
    const doc = JSON.parse(readFileSync(har, 'utf8'))
    expect(doc.log.version).toBe('1.2')
    expect(doc.log.entries).toHaveLength(calls.length)
    // The request objects are the capture's, unchanged.
    const lines = readFileSync(capture, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(doc.log.entries.map((e: { startedDateTime: string; request: object }) => ({ startedDateTime: e.startedDateTime, ...e.request }))).toEqual(lines)

    const fromHar = await replay(['--from', har, '--primary', primary.url, '--candidate', candidate.url, '--allow-unsafe', '--min-samples', '1'], { dir })
    expect(fromHar.code, fromHar.stderr).toBe(1)
    expect(divergentSet(fromHar.db)).toEqual(live)

    // And back: the HAR exported as capture lines is the capture itself.
    const back = join(dir, 'back.ndjson')
    const again = await runCli(['capture', 'export', '--from', har, '--format', 'ndjson', '--out', back], { cwd: dir })
    expect(again.code, again.stderr).toBe(0)
    expect(readFileSync(back, 'utf8').trim().split('\n').map((l) => JSON.parse(l))).toEqual(lines)

    // The live capture replayed directly, and gzipped on the way out, agree too.
    const gz = join(dir, 'captured.har.gz')
    expect((await runCli(['capture', 'export', '--from', capture, '--format', 'har', '--out', gz], { cwd: dir })).code).toBe(0)
    const [direct, zipped] = await Promise.all([
      replay(['--from', capture, '--primary', primary.url, '--candidate', candidate.url, '--allow-unsafe', '--min-samples', '1']),
      replay(['--from', gz, '--primary', primary.url, '--candidate', candidate.url, '--allow-unsafe', '--min-samples', '1']),
    ])
    expect(divergentSet(direct.db)).toEqual(live)
    expect(divergentSet(zipped.db)).toEqual(live)
  })
})

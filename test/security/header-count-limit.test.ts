import { describe, expect, it } from 'vitest'
import { startRecordingUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { expectAccountingCloses, rawRequest } from '../faults/fault-kit.js'

// Issue 18, defect 3: Node's parser keeps only `maxHeadersCount` headers
// (1000 by default) and drops the rest without a word, so a Content-Length or
// Transfer-Encoding behind 1000 short headers was not seen: both sides got a
// PUT with an empty body while the client got 200.

/** `n` short header lines; 4 bytes of value keep 1100 of them under the 16 KiB size limit. */
const filler = (n: number) => Array.from({ length: n }, (_, i) => `X-${i}: v\r\n`).join('')

async function setup(config: Record<string, unknown> = {}) {
  const primary = await startRecordingUpstream((req, res) => res.end(`primary got ${req.body.length} bytes`))
  const candidate = await startRecordingUpstream((_req, res) => res.end('candidate'))
  const started = await startProxy({ primary: primary.url, candidate: candidate.url, mirror: { methods: ['GET', 'PUT'] }, ...config })
  return { primary, candidate, ...started }
}

describe('more request headers than proxy.maxHeaderCount', () => {
  for (const [name, framing, body] of [
    ['a Content-Length behind 1100 headers', 'Content-Length: 5\r\n', 'hello'],
    ['a Transfer-Encoding behind 1100 headers', 'Transfer-Encoding: chunked\r\n', '5\r\nhello\r\n0\r\n\r\n'],
  ]) {
    it(`${name}: 431 with our JSON error, nothing forwarded`, async () => {
      const { primary, candidate, proxyUrl, app } = await setup()
      const result = await rawRequest(proxyUrl, `PUT /state HTTP/1.1\r\nHost: x\r\n${filler(1100)}${framing}\r\n${body}`)
      expect(result.data).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/)
      const json = JSON.parse(result.data.split('\r\n\r\n')[1]) as { error: { code: string; message: string } }
      expect(json.error.code).toBe('SHD_HEADERS_TOO_LARGE')
      expect(json.error.message).toMatch(/1102 header fields.*proxy\.maxHeaderCount.*200/)
      expect(result.data.match(/HTTP\/1\.1 /g)).toHaveLength(1)
      expect(result.closed).toBe(true)
      expect(primary.connections).toHaveLength(0)
      expect(candidate.connections).toHaveLength(0)
      await app.drain()
      expect(app.stats.skippedBy.rejected).toBe(1)
      expectAccountingCloses(app)
    })
  }

  it('the limit is configurable: 50 headers pass at 60 and are refused at 40', async () => {
    for (const [limit, status] of [
      [60, 200],
      [40, 431],
    ] as const) {
      const { primary, proxyUrl } = await setup({ proxy: { maxHeaderCount: limit } })
      const result = await rawRequest(proxyUrl, `PUT /state HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${filler(47)}Content-Length: 5\r\n\r\nhello`)
      expect(result.data.slice(0, 12)).toBe(`HTTP/1.1 ${status}`)
      expect(primary.requests.map((r) => r.body)).toEqual(status === 200 ? ['hello'] : [])
    }
  })

  it('also on the upgrade path', async () => {
    const { primary, proxyUrl } = await setup()
    const result = await rawRequest(proxyUrl, `GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${filler(300)}\r\n`)
    expect(result.data).toMatch(/^HTTP\/1\.1 431 /)
    expect(result.closed).toBe(true)
    expect(primary.connections).toHaveLength(0)
  })
})

import { describe, expect, it } from 'vitest'
import { startRawUpstream, startRecordingUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { expectAccountingCloses, rawRequest } from '../faults/fault-kit.js'

// Issue 18, defect 1: a tunnel opened whatever the primary answered, so the
// bytes after an upgrade request reached the primary unparsed by the proxy.
// The primary here speaks no WebSocket and no h2c: it answers every request
// as plain HTTP, which is what a real service does with an upgrade it does
// not support.

/** A raw request smuggled behind the upgrade request, in the same write. */
const SMUGGLED = 'POST /internal HTTP/1.1\r\nHost: internal\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'

async function setup() {
  const primary = await startRecordingUpstream((req, res) => {
    const body = `plain answer to ${req.url}`
    // /denied streams its body (chunked); the others give its length.
    if (req.url === '/denied') res.writeHead(401, { 'content-type': 'text/plain', 'x-primary': 'yes' }).write(body)
    else res.writeHead(200, { 'content-type': 'text/plain', 'x-primary': 'yes', 'content-length': Buffer.byteLength(body) })
    res.end(req.url === '/denied' ? undefined : body)
  })
  const candidate = await startRecordingUpstream((_req, res) => res.end('candidate'))
  const started = await startProxy({ primary: primary.url, candidate: candidate.url })
  return { primary, candidate, ...started }
}

/** The status lines in a raw answer: one per HTTP response the client got. */
const statusLines = (data: string) => data.match(/^HTTP\/1\.1 \d{3}[^\r]*/gm) ?? []

describe('an upgrade the primary does not accept (no 101)', () => {
  it('WebSocket answered 200: the answer is relayed, the connection closed, the bytes behind it never forwarded', async () => {
    const { primary, candidate, proxyUrl, app } = await setup()
    const result = await rawRequest(
      proxyUrl,
      'GET /chat HTTP/1.1\r\nHost: shop.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n' +
        SMUGGLED,
    )
    expect(statusLines(result.data)).toEqual(['HTTP/1.1 200 OK'])
    expect(result.data).toMatch(/\r\nx-primary: yes\r\n/i)
    expect(result.data).toMatch(/\r\nconnection: close\r\n/i)
    expect(result.data).toMatch(/\r\ncontent-length: 21\r\n/i)
    expect(result.data.endsWith('\r\n\r\nplain answer to /chat')).toBe(true)
    expect(result.closed).toBe(true)
    // The primary parsed exactly one request, and none of the smuggled bytes reached it.
    expect(primary.requests.map((r) => r.url)).toEqual(['/chat'])
    expect(primary.bytes()).not.toContain('internal')
    expect(primary.requests[0].headers['x-forwarded-for']).toBe('127.0.0.1')
    expect(candidate.connections).toHaveLength(0)
    await app.drain()
    expect(app.stats.skippedBy.upgrade).toBe(1)
    expect(app.stats.upgradesRefused).toBe(1)
    expectAccountingCloses(app)
  })

  it('a streamed 401 keeps its status, headers and body, framed chunked by the proxy', async () => {
    const { proxyUrl, app } = await setup()
    const result = await rawRequest(proxyUrl, 'GET /denied HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n')
    expect(statusLines(result.data)).toEqual(['HTTP/1.1 401 Unauthorized'])
    expect(result.data).toMatch(/\r\nx-primary: yes\r\n/i)
    expect(result.data).toMatch(/\r\ntransfer-encoding: chunked\r\n/i)
    expect(result.data.endsWith('\r\n\r\n17\r\nplain answer to /denied\r\n0\r\n\r\n')).toBe(true)
    expect(result.closed).toBe(true)
    expect(app.stats.upgradesRefused).toBe(1)
    expectAccountingCloses(app)
  })

  it('h2c with HTTP2-Settings and the HTTP/2 preface behind it: relayed as HTTP/1.1, never tunnelled', async () => {
    const { primary, proxyUrl, app } = await setup()
    const result = await rawRequest(
      proxyUrl,
      'GET /h2 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n' +
        'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' +
        SMUGGLED,
    )
    expect(statusLines(result.data)).toEqual(['HTTP/1.1 200 OK'])
    expect(result.data.endsWith('plain answer to /h2')).toBe(true)
    expect(result.closed).toBe(true)
    expect(primary.requests.map((r) => r.url)).toEqual(['/h2'])
    expect(primary.bytes()).not.toContain('PRI * HTTP/2.0')
    expect(primary.bytes()).not.toContain('internal')
    expect(app.stats.upgradesRefused).toBe(1)
    expectAccountingCloses(app)
  })
})

describe('upgrades the proxy does not ask for', () => {
  it('HTTP/1.0: the Upgrade is ignored (RFC 9110 §7.8): forwarded without it, answered, closed', async () => {
    const { primary, proxyUrl } = await setup()
    const result = await rawRequest(proxyUrl, 'GET /old HTTP/1.0\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n')
    expect(statusLines(result.data)).toEqual(['HTTP/1.1 200 OK'])
    expect(result.data.endsWith('plain answer to /old')).toBe(true)
    expect(result.closed).toBe(true)
    expect(primary.requests[0].headers.upgrade).toBeUndefined()
    expect(primary.requests[0].headers.connection).toBe('close')
  })

  it('a 101 without Upgrade and Connection: upgrade is a bad response (502), never a tunnel', async () => {
    const primary = await startRawUpstream((socket) => {
      socket.once('data', () => socket.write('HTTP/1.1 101 Switching Protocols\r\n\r\nraw bytes from the primary'))
    })
    const { proxyUrl, app } = await startProxy({ primary, candidate: primary })
    const result = await rawRequest(proxyUrl, 'GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n')
    expect(statusLines(result.data)).toEqual(['HTTP/1.1 502 Bad Gateway'])
    expect(result.data).toContain('"code":"SHD_PRIMARY_BAD_RESPONSE"')
    expect(result.data).not.toContain('raw bytes')
    expect(result.closed).toBe(true)
    expectAccountingCloses(app)
  })
})

describe('an upgrade request with a body', () => {
  for (const [name, raw] of [
    ['Transfer-Encoding: chunked, a request smuggled in the body', 'GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' + SMUGGLED],
    ['Content-Length: 5', 'POST /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 5\r\n\r\nhello'],
  ]) {
    it(`${name}: 400, connection closed, nothing forwarded`, async () => {
      const { primary, candidate, proxyUrl, app } = await setup()
      const result = await rawRequest(proxyUrl, raw)
      expect(statusLines(result.data)).toEqual(['HTTP/1.1 400 Bad Request'])
      expect(result.data).toContain('"code":"SHD_BAD_REQUEST"')
      expect(result.closed).toBe(true)
      expect(primary.connections).toHaveLength(0)
      expect(candidate.connections).toHaveLength(0)
      expect(app.stats.skippedBy.rejected).toBe(1)
      expectAccountingCloses(app)
    })
  }
})

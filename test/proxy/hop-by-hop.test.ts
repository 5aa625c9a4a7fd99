import { describe, expect, it } from 'vitest'
import net from 'node:net'
import type { IncomingHttpHeaders } from 'node:http'
import { startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'

/** Sends a raw request so we control Connection and other hop-by-hop headers exactly. */
function rawRequest(url: string, text: string): Promise<string> {
  const { port } = new URL(url)
  return new Promise((resolve, reject) => {
    // write, not end: Node servers drop requests from clients that half-close (httpAllowHalfOpen).
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(text))
    let data = ''
    socket.on('data', (c) => (data += c))
    socket.on('end', () => resolve(data))
    socket.on('error', reject)
  })
}

describe('hop-by-hop headers (RFC 9110 §7.6.1) and forwarding headers', () => {
  it('strips hop-by-hop headers both ways, sets X-Forwarded-*, passes Host through', async () => {
    let seen: IncomingHttpHeaders = {}
    const primary = await startUpstream((req, res) => {
      seen = req.headers
      res.setHeader('keep-alive', 'timeout=5')
      res.setHeader('x-upstream-secret-hop', 'no')
      res.setHeader('connection', 'x-upstream-secret-hop')
      res.setHeader('content-type', 'text/plain')
      res.end('ok')
    })
    const candidate = await startUpstream((_req, res) => res.end('ok'))
    const { proxyUrl } = await startProxy({ primary, candidate })
    const response = await rawRequest(
      proxyUrl,
      'GET /a HTTP/1.1\r\nHost: shop.example\r\nConnection: close, x-drop-me\r\nX-Drop-Me: 1\r\nTE: trailers\r\nKeep-Alive: 300\r\nProxy-Connection: keep-alive\r\nX-Keep: yes\r\n\r\n',
    )
    expect(response).toMatch(/^HTTP\/1.1 200/)
    expect(seen['x-drop-me']).toBeUndefined()
    expect(seen.te).toBeUndefined()
    expect(seen['keep-alive']).toBeUndefined()
    expect(seen['proxy-connection']).toBeUndefined()
    expect(seen['x-keep']).toBe('yes')
    expect(seen.host).toBe('shop.example')
    expect(seen['x-forwarded-for']).toBe('127.0.0.1')
    expect(seen['x-forwarded-proto']).toBe('http')
    expect(seen['x-forwarded-host']).toBe('shop.example')
    expect(seen['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
    const head = response.split('\r\n\r\n')[0].toLowerCase()
    expect(head).toMatch(/^http\/1.1 200/)
    expect(head).not.toContain('x-upstream-secret-hop')
    expect(head).not.toContain('keep-alive: timeout=5')
    expect(response.endsWith('ok')).toBe(true)
  })
})

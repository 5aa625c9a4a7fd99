import { describe, expect, it } from 'vitest'
import type { IncomingHttpHeaders } from 'node:http'
import { json, startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { rawRequest } from '../faults/fault-kit.js'
import { requestTarget } from '../../src/proxy/request-target.js'

describe('request targets', () => {
  it('forwards an absolute-form target in origin-form with its host, to both sides; refuses OPTIONS * with a clear 400', async () => {
    const seen: { side: string; url?: string; host?: string }[] = []
    const upstream = (side: string) =>
      startUpstream((req, res) => {
        seen.push({ side, url: req.url, host: (req.headers as IncomingHttpHeaders).host })
        json(res, 200, { ok: true })
      })
    const { proxyUrl, app } = await startProxy({ primary: await upstream('primary'), candidate: await upstream('candidate'), mirror: { methods: ['GET', 'OPTIONS'] } })

    const absolute = await rawRequest(proxyUrl, 'GET http://shop.example:8080/a/b?c=1 HTTP/1.1\r\nHost: ignored.example\r\nConnection: close\r\n\r\n')
    expect(absolute.data).toMatch(/^HTTP\/1\.1 200 OK\r\n/)

    const star = await rawRequest(proxyUrl, 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    expect(star.data).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/)
    const body = JSON.parse(star.data.split('\r\n\r\n')[1]) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('SHD_BAD_REQUEST')
    expect(body.error.message).toContain("request target '*' cannot be proxied (OPTIONS * asks about the proxy itself")

    await app.drain()
    expect(seen.sort((a, b) => a.side.localeCompare(b.side))).toEqual([
      { side: 'candidate', url: '/a/b?c=1', host: 'shop.example:8080' },
      { side: 'primary', url: '/a/b?c=1', host: 'shop.example:8080' },
    ])
    expect(app.stats.served).toBe(2)
    expect(app.stats.compared).toBe(1)
    expect(app.stats.skippedBy.rejected).toBe(1)
  })

  it('parses the forms RFC 9112 allows and refuses the rest', () => {
    expect(requestTarget('/x?y')).toEqual({ ok: true, url: '/x?y', host: null })
    expect(requestTarget('HTTPS://h.example')).toEqual({ ok: true, url: '/', host: 'h.example' })
    expect(requestTarget('http://h.example?q=1')).toEqual({ ok: true, url: '/?q=1', host: 'h.example' })
    expect(requestTarget('http://h.example/p#frag')).toEqual({ ok: true, url: '/p', host: 'h.example' })
    for (const bad of ['*', 'example.com:443', 'ftp://h/x', 'http:///x', 'http://user@h/x']) expect(requestTarget(bad).ok, bad).toBe(false)
  })
})

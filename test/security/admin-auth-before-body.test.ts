import { describe, expect, it } from 'vitest'
import net from 'node:net'
import { startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { listRoutes } from './admin-routes.js'

// Issue 18, defect 8: every admin route authenticates before it reads the
// body. Raw HTTP, so that framing (a Content-Length never sent, an endless
// chunked body) is exactly what the test writes.

const TOKEN = 'auth-before-body-7d1f02'

interface RawAnswer {
  status: number
  head: string
  body: string
  /** The server closed the connection before our timeout. */
  closed: boolean
  /** Request bytes the server accepted before answering/closing (what we managed to write). */
  written: number
  ms: number
}

/**
 * Writes `head`, then `body` (a string, or 'endless' for chunked 16 KiB
 * chunks until the server answers), and reads the first response.
 */
function raw(url: string, head: string, body: string | 'endless', timeoutMs = 5_000): Promise<RawAnswer> {
  const { port } = new URL(url)
  const started = performance.now()
  return new Promise((resolve) => {
    let data = ''
    let written = 0
    let done = false
    const socket = net.connect(Number(port), '127.0.0.1')
    const finish = (closed: boolean) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      const [h, ...rest] = data.split('\r\n\r\n')
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(h)?.[1] ?? 0), head: h, body: rest.join('\r\n\r\n'), closed, written, ms: performance.now() - started })
    }
    socket.on('connect', () => {
      socket.write(head)
      if (body !== 'endless') {
        socket.write(body)
        written += body.length
        return
      }
      const chunk = `4000\r\n${'x'.repeat(0x4000)}\r\n`
      const pump = () => {
        while (!done && !socket.destroyed && data === '') {
          written += 0x4000
          if (!socket.write(chunk)) return void socket.once('drain', pump)
        }
      }
      pump()
    })
    socket.on('data', (c) => {
      data += c.toString('latin1')
      // One response is enough once its body is in (our answers are small JSON with Content-Length).
      const m = /content-length: (\d+)/i.exec(data)
      const [h, ...rest] = data.split('\r\n\r\n')
      if (m && rest.length > 0 && Buffer.byteLength(rest.join('\r\n\r\n')) >= Number(m[1]) && h) setTimeout(() => finish(socket.readableEnded), 50)
    })
    socket.on('end', () => finish(true))
    socket.on('close', () => finish(true))
    socket.on('error', () => finish(true))
    const timer = setTimeout(() => finish(false), timeoutMs)
  })
}

function post(path: string, headers: Record<string, string>): string {
  return `POST ${path} HTTP/1.1\r\nHost: admin\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`
}

const BAD_BODIES: Record<string, { headers: Record<string, string>; body: string | 'endless' }> = {
  'invalid JSON': { headers: { 'content-type': 'application/json', 'content-length': '9' }, body: '{"oops": ' },
  'a JSON list': { headers: { 'content-type': 'application/json', 'content-length': '2' }, body: '[]' },
  'metadata that is not a mapping': { headers: { 'content-type': 'application/json', 'content-length': '16' }, body: '{"metadata": 42}' },
  'a Content-Length of 10 MB, 1 KiB sent': { headers: { 'content-type': 'application/json', 'content-length': String(10 * 1024 * 1024) }, body: '{' + ' '.repeat(1023) },
  'an endless chunked body': { headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: 'endless' },
  'an unknown content type': { headers: { 'content-type': 'application/x-weird', 'content-length': '3' }, body: 'abc' },
}

describe('admin API with a token: authentication before the body (issue 18, defect 8)', () => {
  it('answers 401, never 400/413/415, to an unauthenticated request with a bad or oversized body, on every route', async () => {
    const upstream = await startUpstream((_req, res) => res.end('ok'))
    const { app, adminUrl } = await startProxy({ primary: upstream, candidate: upstream, adminToken: TOKEN })
    const routes = listRoutes(app.admin).filter((r) => r.method === 'POST' || r.method === 'PUT' || r.method === 'PATCH' || r.method === 'DELETE')
    expect(routes.map((r) => r.url)).toEqual(expect.arrayContaining(['/api/gate/flagger', '/api/gate/flagger/rollback', '/api/rules/reload']))
    for (const route of routes) {
      for (const [name, { headers, body }] of Object.entries(BAD_BODIES)) {
        for (const [who, auth] of [['no token', {}], ['a wrong bearer token', { authorization: 'Bearer nope' }]] as const) {
          const head = post(route.url, { ...headers, ...auth }).replace(/^POST/, route.method)
          const res = await raw(adminUrl, head, body)
          const label = `${route.method} ${route.url}, ${name}, ${who}`
          expect.soft(res.status, `${label}: ${res.head.split("\r\n")[0]}`).toBe(401)
          if (res.status === 401) expect.soft(JSON.parse(res.body).error.code, label).toBe('SHD_UNAUTHORIZED')
          // The endless body is never read to its end: the answer comes and the connection closes.
          if (body === "endless") expect.soft(res.closed, label).toBe(true)
        }
      }
    }
  })

  it('a Flagger metadata token still works, read from a small body only; an authenticated bad body gets its 400/413', async () => {
    const upstream = await startUpstream((_req, res) => res.end('ok'))
    const { adminUrl } = await startProxy({ primary: upstream, candidate: upstream, adminToken: TOKEN })
    const payload = JSON.stringify({ name: 'podinfo', namespace: 'test', phase: 'Progressing', metadata: { token: TOKEN, minSamples: '0' } })
    const ok = await raw(adminUrl, post('/api/gate/flagger', { 'content-type': 'application/json', 'content-length': String(payload.length) }), payload)
    expect(ok.status, ok.head).toBe(200)
    const wrong = payload.replace(TOKEN, 'not-the-token')
    const bad = await raw(adminUrl, post('/api/gate/flagger', { 'content-type': 'application/json', 'content-length': String(wrong.length) }), wrong)
    expect(bad.status).toBe(401)
    // A metadata token beyond the 64 KiB the bounded parser reads is not looked for: 401.
    const padded = JSON.stringify({ metadata: { pad: 'x'.repeat(70 * 1024), token: TOKEN } })
    const big = await raw(adminUrl, post('/api/gate/flagger', { 'content-type': 'application/json', 'content-length': String(padded.length) }), padded)
    expect(big.status).toBe(401)

    const auth = { authorization: `Bearer ${TOKEN}` }
    const invalid = await raw(adminUrl, post('/api/gate/flagger', { ...auth, 'content-type': 'application/json', 'content-length': '9' }), '{"oops": ')
    expect(invalid.status).toBe(400)
    expect(JSON.parse(invalid.body).error.message).toMatch(/invalid JSON/)
    const huge = await raw(adminUrl, post('/api/gate/flagger', { ...auth, 'content-type': 'application/json', 'transfer-encoding': 'chunked' }), 'endless')
    expect(huge.status).toBe(413)
    expect(huge.closed).toBe(true)
    const empty = await raw(adminUrl, post('/api/gate/flagger?minSamples=0', { ...auth, 'content-length': '0' }), '')
    expect(empty.status).toBe(200)
  })
})

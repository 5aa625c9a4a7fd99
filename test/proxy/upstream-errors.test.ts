import { describe, expect, it } from 'vitest'
import { request } from 'undici'
import { closedPortUrl, startRawUpstream, startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'

describe('primary failures become the proxy own 502/504 with a stable code', () => {
  it('answers 502 SHD_PRIMARY_UNREACHABLE when the primary refuses', async () => {
    const candidate = await startUpstream((_req, res) => res.end('ok'))
    const { proxyUrl, app } = await startProxy({ primary: await closedPortUrl(), candidate })
    const res = await request(proxyUrl + '/x')
    expect(res.statusCode).toBe(502)
    expect(res.headers['content-type']).toMatch(/application\/json/)
    const body = (await res.body.json()) as { error: { code: string } }
    expect(body.error.code).toBe('SHD_PRIMARY_UNREACHABLE')
    await app.drain()
    // Nothing to compare against: counted as skipped, never as a divergence.
    expect(app.stats.compared).toBe(0)
    expect(app.stats.skippedBy.primaryFailed).toBe(1)
  })

  it('answers 504 SHD_PRIMARY_TIMEOUT when the primary does not answer in time', async () => {
    const primary = await startRawUpstream(() => {}) // accepts, never answers
    const candidate = await startUpstream((_req, res) => res.end('ok'))
    const { proxyUrl } = await startProxy({ primary, candidate, proxy: { timeoutMs: 300 } })
    const res = await request(proxyUrl + '/x')
    expect(res.statusCode).toBe(504)
    expect(((await res.body.json()) as { error: { code: string } }).error.code).toBe('SHD_PRIMARY_TIMEOUT')
  })

  it('passes a primary 5xx through unchanged', async () => {
    const primary = await startUpstream((_req, res) => {
      res.writeHead(503, { 'retry-after': '7', 'content-type': 'text/plain' })
      res.end('down for maintenance')
    })
    const candidate = await startUpstream((_req, res) => res.end('ok'))
    const { proxyUrl } = await startProxy({ primary, candidate })
    const res = await request(proxyUrl + '/x')
    expect(res.statusCode).toBe(503)
    expect(res.headers['retry-after']).toBe('7')
    expect(await res.body.text()).toBe('down for maintenance')
  })

  it('breaks the client connection when the primary resets mid-body (no hang, no fake success)', async () => {
    const primary = await startRawUpstream((socket) =>
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\nContent-Type: text/plain\r\n\r\npartial')
        setTimeout(() => socket.destroy(), 20)
      }),
    )
    const candidate = await startUpstream((_req, res) => res.end('ok'))
    const { proxyUrl } = await startProxy({ primary, candidate })
    const res = await request(proxyUrl + '/x')
    expect(res.statusCode).toBe(200)
    await expect(res.body.text()).rejects.toThrow()
  })
})

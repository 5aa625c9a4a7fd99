import { describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'

describe('HEAD, 204 and 304 keep their framing', () => {
  it('forwards each without a body and with the primary headers', async () => {
    const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
      if (req.url === '/head') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '42' })
        return res.end()
      }
      if (req.url === '/nocontent') {
        res.writeHead(204, { 'x-done': '1' })
        return res.end()
      }
      res.writeHead(304, { etag: '"abc"' })
      res.end()
    }
    const primary = await startUpstream(handler)
    const candidate = await startUpstream(handler)
    const { proxyUrl, app } = await startProxy({ primary, candidate })

    const head = await request(proxyUrl + '/head', { method: 'HEAD' })
    expect(head.statusCode).toBe(200)
    expect(head.headers['content-length']).toBe('42')
    expect(await head.body.text()).toBe('')

    const none = await request(proxyUrl + '/nocontent')
    expect(none.statusCode).toBe(204)
    expect(none.headers['x-done']).toBe('1')
    expect(await none.body.text()).toBe('')

    const notModified = await request(proxyUrl + '/cached', { headers: { 'if-none-match': '"abc"' } })
    expect(notModified.statusCode).toBe(304)
    expect(notModified.headers.etag).toBe('"abc"')
    expect(await notModified.body.text()).toBe('')

    await app.drain()
    expect(app.stats.compared).toBe(3)
    expect(app.stats.divergent).toBe(0)
  })
})

import { describe, expect, it } from 'vitest'
import { request } from 'undici'
import { closedPortUrl, json, startRawUpstream, startUpstream } from '../helpers/upstream.js'
import { drainReleasing, startProxy } from '../helpers/proxy.js'
import type { ServerResponse } from 'node:http'

// The primary answers with an odd status, repeated headers and a binary body.
const body = Buffer.concat([Buffer.from('{"hello":"world"}\n'), Buffer.from([0, 1, 2, 255, 254])])
const primaryHandler = (_req: unknown, res: import('node:http').ServerResponse) => {
  res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/'])
  res.setHeader('x-custom', 'kept')
  res.setHeader('content-type', 'application/octet-stream')
  res.writeHead(203, 'Non-Authoritative')
  res.end(body)
}

async function get(url: string) {
  const res = await request(url, { headers: { 'x-client': '1' } })
  return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) }
}

describe('client gets the primary bytes exactly', () => {
  it('whatever the candidate does: equal, down, slow or resetting', async () => {
    const primary = await startUpstream(primaryHandler)
    const held: ServerResponse[] = []
    const candidates = {
      equal: await startUpstream(primaryHandler),
      down: await closedPortUrl(),
      // Answers only once the client has its whole response: a proxy that waited for it would hang here.
      slow: await startUpstream((_req, res) => held.push(res)),
      reset: await startRawUpstream((socket) => socket.on('data', () => socket.destroy())),
      garbage: await startRawUpstream((socket) => socket.on('data', () => socket.end('NOT HTTP AT ALL\r\n\r\n'))),
    }
    for (const [name, candidate] of Object.entries(candidates)) {
      const { proxyUrl, app } = await startProxy({ primary, candidate, mirror: { timeoutMs: 1_000 } })
      const res = await get(proxyUrl + '/thing?x=1')
      expect(res.status, name).toBe(203)
      expect(res.body.equals(body), name).toBe(true)
      expect(res.headers['set-cookie'], name).toEqual(['a=1; Path=/', 'b=2; Path=/'])
      expect(res.headers['x-custom'], name).toBe('kept')
      await drainReleasing(app, held, (r) => json(r, 500, { late: true }))
      expect(app.stats.compared, name).toBe(1)
      if (name !== 'equal') expect(app.stats.divergent, name).toBe(1)
      else expect(app.stats.divergent).toBe(0)
      if (['down', 'reset', 'garbage'].includes(name)) expect(app.stats.candidateErrors, name).toBe(1)
    }
  })
})

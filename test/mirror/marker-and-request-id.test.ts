import { describe, expect, it } from 'vitest'
import { request } from 'undici'
import type { IncomingHttpHeaders } from 'node:http'
import { json, startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'

describe('mirrored requests', () => {
  it('carry the marker header and the same request id as the primary', async () => {
    const seen: { primary?: IncomingHttpHeaders; candidate?: IncomingHttpHeaders } = {}
    const primary = await startUpstream((req, res) => {
      seen.primary = req.headers
      json(res, 200, {})
    })
    const candidate = await startUpstream((req, res) => {
      seen.candidate = req.headers
      json(res, 200, {})
    })
    const { proxyUrl, app } = await startProxy({ primary, candidate })
    await (await request(proxyUrl + '/a?b=1', { headers: { 'x-request-id': 'req-42', authorization: 'Bearer s3cret' } })).body.dump()
    await (await request(proxyUrl + '/generated')).body.dump()
    await app.drain()
    expect(seen.candidate?.['x-shadowdiff-mirror']).toBe('shadow')
    expect(seen.primary?.['x-shadowdiff-mirror']).toBeUndefined()
    // The second request had no id: one is generated and shared by both sides.
    expect(seen.candidate?.['x-request-id']).toBe(seen.primary?.['x-request-id'])
    expect(seen.candidate?.['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('send the client request id unchanged to both sides', async () => {
    const ids: string[] = []
    const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
      ids.push(String(req.headers['x-request-id']))
      json(res, 200, {})
    }
    const { proxyUrl, app } = await startProxy({ primary: await startUpstream(handler), candidate: await startUpstream(handler) })
    await (await request(proxyUrl + '/a', { headers: { 'x-request-id': 'req-42' } })).body.dump()
    await app.drain()
    expect(ids).toEqual(['req-42', 'req-42'])
  })
})

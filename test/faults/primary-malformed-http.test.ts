import { describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startRawUpstream, startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { ledger, useLedger } from './fault-kit.js'

useLedger(import.meta.filename)

describe('primary answers with malformed HTTP', () => {
  it('answers 502 SHD_PRIMARY_BAD_RESPONSE (not "unreachable") and compares nothing', async () => {
    ledger.fault()
    const primary = await startRawUpstream((socket) => socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nContent-Length 2\r\n\r\nok')))
    let candidateHits = 0
    const candidate = await startUpstream((_req, res) => {
      candidateHits++
      res.end('ok')
    })
    const { proxyUrl, app } = await startProxy({ primary, candidate })
    ledger.sent()
    const res = await request(proxyUrl + '/x')
    expect(res.statusCode).toBe(502)
    const body = (await res.body.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('SHD_PRIMARY_BAD_RESPONSE')
    expect(body.error.message).toMatch(/invalid response .*HTTP\/1\.1 protocol/)
    await app.drain()
    // The mirror still ran, but with no primary answer there is nothing to compare.
    expect(candidateHits).toBe(1)
    expect(app.stats.compared).toBe(0)
    expect(app.stats.skippedBy.primaryFailed).toBe(1)
  })
})

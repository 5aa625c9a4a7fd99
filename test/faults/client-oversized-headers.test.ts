import { describe, expect, it } from 'vitest'
import { startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { expectAccountingCloses, getPrimaryBytes, ledger, primaryHandler, rawRequest, useLedger } from './fault-kit.js'

useLedger(import.meta.filename)

describe('request headers above the parser limit (16 KiB)', () => {
  it('answers 431 with a JSON body naming the problem, forwards nothing, and keeps serving', async () => {
    ledger.fault()
    let hits = 0
    const counting = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
      hits++
      primaryHandler(req, res)
    }
    const { proxyUrl, app } = await startProxy({ primary: await startUpstream(counting), candidate: await startUpstream(counting) })
    for (const [name, head] of [
      ['one huge header', `X-Big: ${'a'.repeat(20_000)}\r\n`],
      ['many headers', Array.from({ length: 800 }, (_, i) => `X-Many-${i}: ${'b'.repeat(20)}\r\n`).join('')],
      ['a huge cookie', `Cookie: session=${'c'.repeat(20_000)}\r\n`],
    ]) {
      ledger.sent()
      const result = await rawRequest(proxyUrl, `GET /big HTTP/1.1\r\nHost: x\r\n${head}\r\n`)
      expect(result.data, name).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/)
      expect(result.data, name).toMatch(/Content-Type: application\/json/i)
      const body = JSON.parse(result.data.split('\r\n\r\n')[1]) as { error: { code: string; message: string } }
      expect(body.error.message, name).toMatch(/Request Header Fields Too Large: HPE_HEADER_OVERFLOW/)
      expect(result.closed, name).toBe(true)
    }
    expect(hits).toBe(0)
    await getPrimaryBytes(proxyUrl + '/normal')
    await app.drain()
    expect(app.stats.skippedBy.rejected).toBe(3)
    expectAccountingCloses(app)
  })
})

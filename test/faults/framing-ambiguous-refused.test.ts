import { describe, expect, it } from 'vitest'
import { startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { expectAccountingCloses, getPrimaryBytes, ledger, primaryHandler, rawRequest, useLedger } from './fault-kit.js'

useLedger(import.meta.filename)

// Requests whose body length is ambiguous or invalid (RFC 9112 §6.1, §6.3,
// §7.1): a proxy that forwards them is open to request smuggling, so each
// must be answered 400 and never reach an upstream.
const BAD: Record<string, string> = {
  'Content-Length and Transfer-Encoding together':
    'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n',
  'two different Content-Length headers': 'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 7\r\n\r\nabcdefg',
  'two equal Content-Length headers': 'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc',
  'a Content-Length list': 'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc',
  'a negative Content-Length': 'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
  'a non-numeric Content-Length': 'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3x\r\n\r\nabc',
  'a Transfer-Encoding that does not end in chunked': 'POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
  'an obfuscated Transfer-Encoding': 'POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
  'a chunk size that is not hex': 'POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n',
  'a chunk longer than its size': 'POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n',
  'a bare LF in the request line': 'GET /a HTTP/1.1\nHost: x\r\n\r\n',
}

describe('ambiguous or invalid request framing', () => {
  for (const [name, raw] of Object.entries(BAD)) {
    it(`${name}: 400, connection closed, never forwarded`, async () => {
      ledger.fault()
      let primaryHits = 0
      let candidateHits = 0
      const primary = await startUpstream((req, res) => {
        primaryHits++
        primaryHandler(req, res)
      })
      const candidate = await startUpstream((_req, res) => {
        candidateHits++
        res.end('ok')
      })
      // POST mirrored too, so a leak to the candidate would show.
      const { proxyUrl, app } = await startProxy({ primary, candidate, mirror: { methods: ['GET', 'POST'] } })
      ledger.sent()
      const result = await rawRequest(proxyUrl, raw)
      expect(result.data).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/)
      expect(result.data).toContain('"code":"SHD_BAD_REQUEST"')
      // Only one response: nothing smuggled behind it was answered.
      expect(result.data.match(/HTTP\/1\.1 /g)).toHaveLength(1)
      expect(result.closed).toBe(true)
      await app.drain()
      expect(primaryHits).toBe(0)
      expect(candidateHits).toBe(0)
      await getPrimaryBytes(proxyUrl + '/normal')
      await app.drain()
      expectAccountingCloses(app)
    })
  }
})

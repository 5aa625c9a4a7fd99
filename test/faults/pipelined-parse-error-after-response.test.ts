import { describe, expect, it } from 'vitest'
import { startRecordingUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { expectAccountingCloses, ledger, rawRequest, useLedger } from './fault-kit.js'

useLedger(import.meta.filename)

// Issue 18, defect 2: a malformed request pipelined behind a valid one made
// the proxy write its 400 at once, in place of the valid request's answer,
// although the primary had executed the valid request.

/** The status lines in a raw answer, in order. */
const statusLines = (data: string) => data.match(/HTTP\/1\.1 \d{3}[^\r]*/g) ?? []

describe('a malformed request pipelined behind a valid one', () => {
  it("delivers the valid request's whole answer first, then the 400, then closes", async () => {
    ledger.fault()
    const answer = JSON.stringify({ paid: true, receipt: 'r'.repeat(20_000) })
    const primary = await startRecordingUpstream((req, res) => {
      // Slow enough that the parse error is seen long before the answer exists.
      setTimeout(() => {
        res.writeHead(201, { 'content-type': 'application/json', 'content-length': answer.length })
        res.end(answer)
      }, 150)
    })
    const candidate = await startRecordingUpstream((_req, res) => res.end('candidate'))
    const { proxyUrl, app } = await startProxy({ primary: primary.url, candidate: candidate.url })
    ledger.sent(2)
    const result = await rawRequest(
      proxyUrl,
      'POST /pay HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{"amount":10}' +
        'POST /pay HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\nz',
    )
    expect(statusLines(result.data)).toEqual(['HTTP/1.1 201 Created', 'HTTP/1.1 400 Bad Request'])
    const [first, second] = result.data.split(/(?=HTTP\/1\.1 400 )/)
    expect(first.endsWith(`\r\n\r\n${answer}`)).toBe(true)
    expect(second).toContain('"code":"SHD_BAD_REQUEST"')
    expect(result.closed).toBe(true)
    // The primary executed /pay once; the malformed request never reached it.
    expect(primary.requests.map((r) => [r.method, r.url, r.body])).toEqual([['POST', '/pay', '{"amount":10}']])
    expect(primary.bytes().match(/POST \/pay/g)).toHaveLength(1)
    expect(candidate.connections).toHaveLength(0)
    await app.drain()
    // Both were served: /pay as notMirrored (POST), the 400 as rejected.
    expect(app.stats.served).toBe(2)
    expect(app.stats.skippedBy.rejected).toBe(1)
    expectAccountingCloses(app)
  })

  it('waits for every answer in flight: two GETs, then a bad chunk size', async () => {
    ledger.fault()
    const primary = await startRecordingUpstream((req, res) => setTimeout(() => res.end(`answer ${req.url}`), req.url === '/a' ? 150 : 10))
    const { proxyUrl, app } = await startProxy({ primary: primary.url, candidate: (await startRecordingUpstream((_q, s) => s.end())).url })
    ledger.sent(3)
    const result = await rawRequest(
      proxyUrl,
      'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nPOST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    )
    expect(statusLines(result.data)).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK', 'HTTP/1.1 400 Bad Request'])
    expect(result.data).toContain('\r\n\r\nanswer /a')
    expect(result.data).toContain('\r\n\r\nanswer /b')
    expect(result.closed).toBe(true)
    expect(primary.requests.map((r) => r.url).sort()).toEqual(['/a', '/b'])
    await app.drain()
    expect(app.stats.served).toBe(3)
    expectAccountingCloses(app)
  })
})

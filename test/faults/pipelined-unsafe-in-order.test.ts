import { describe, expect, it } from 'vitest'
import { startRecordingUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { ledger, rawRequest, useLedger } from './fault-kit.js'

useLedger(import.meta.filename)

// Issue 18, defect 4: pipelined requests were dispatched upstream at once, on
// separate connections, so `PUT /state` then `GET /state` answered the old
// state. RFC 9112 §9.3.2: a proxy may process pipelined requests in parallel
// only when they are all safe.

/** A primary with one piece of state; every request start and end is logged in order. */
async function statefulPrimary() {
  let state = 'old'
  const log: string[] = []
  const primary = await startRecordingUpstream((req, res) => {
    const name = `${req.method} ${req.url}`
    log.push(`start ${name}`)
    // Writes are slow and reads of /slow too, so a read that does not wait overtakes them.
    const delay = req.method === 'PUT' || req.url === '/slow' ? 150 : 0
    setTimeout(() => {
      if (req.method === 'PUT') state = req.body
      log.push(`end ${name}`)
      res.end(`${req.url}=${state}`)
    }, delay)
  })
  return { primary, log }
}

/** The bodies of the responses in a raw answer, in order (all short, with Content-Length). */
const bodies = (data: string) => [...data.matchAll(/\r\n\r\n([^\r]*?)(?=HTTP\/1\.1 |$)/g)].map((m) => m[1])

describe('pipelined requests with an unsafe method', () => {
  it('PUT then GET on one connection: the GET waits for the PUT and sees the new state', async () => {
    ledger.fault()
    const { primary, log } = await statefulPrimary()
    const { proxyUrl } = await startProxy({ primary: primary.url, candidate: (await startRecordingUpstream((_q, s) => s.end())).url })
    ledger.sent(2)
    const result = await rawRequest(
      proxyUrl,
      'PUT /state HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nnew' + 'GET /state HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    )
    expect(bodies(result.data)).toEqual(['/state=new', '/state=new'])
    expect(log).toEqual(['start PUT /state', 'end PUT /state', 'start GET /state', 'end GET /state'])
  })

  it('GET, DELETE, GET: the DELETE waits for the first GET, the last GET waits for the DELETE', async () => {
    ledger.fault()
    const { primary, log } = await statefulPrimary()
    const { proxyUrl } = await startProxy({ primary: primary.url, candidate: (await startRecordingUpstream((_q, s) => s.end())).url })
    ledger.sent(3)
    await rawRequest(proxyUrl, 'GET /slow HTTP/1.1\r\nHost: x\r\n\r\nDELETE /d HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    expect(log).toEqual(['start GET /slow', 'end GET /slow', 'start DELETE /d', 'end DELETE /d', 'start GET /after', 'end GET /after'])
  })

  it('safe requests still run ahead of each other', async () => {
    ledger.fault()
    const { primary, log } = await statefulPrimary()
    const { proxyUrl } = await startProxy({ primary: primary.url, candidate: (await startRecordingUpstream((_q, s) => s.end())).url })
    ledger.sent(2)
    const result = await rawRequest(proxyUrl, 'GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    // Answers in request order, but the second was processed while the first was still running.
    expect(bodies(result.data)).toEqual(['/slow=old', '/fast=old'])
    expect(log.indexOf('start GET /fast')).toBeLessThan(log.indexOf('end GET /slow'))
  })
})

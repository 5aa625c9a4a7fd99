import { describe, expect, it } from 'vitest'
import { promisify } from 'node:util'
import type http from 'node:http'
import { request } from 'undici'
import { json, startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { expectAccountingCloses, getPrimaryBytes, ledger, primaryHandler, until, useLedger } from './fault-kit.js'

useLedger(import.meta.filename)

describe('client aborts while the response is streaming', () => {
  it('the proxy cancels the primary request, the mirror settles on its own, nothing stays in flight or open', async () => {
    ledger.fault()
    let primaryClosedEarly = 0
    let candidateAnswered = 0
    const primary = await startUpstream((req: http.IncomingMessage, res: http.ServerResponse) => {
      if (req.url === '/after') return primaryHandler(req, res)
      res.writeHead(200, { 'content-type': 'text/plain' })
      let n = 0
      const tick = setInterval(() => {
        if (n++ < 200) res.write(`line ${n}\n`)
        else {
          clearInterval(tick)
          res.end()
        }
      }, 10)
      res.on('close', () => {
        clearInterval(tick)
        if (!res.writableEnded) primaryClosedEarly++
      })
    })
    // The candidate is slower than the abort: its mirror must still finish, untouched by the client.
    const candidate = await startUpstream((_req, res) =>
      setTimeout(() => {
        candidateAnswered++
        json(res, 200, { ok: true })
      }, 200),
    )
    const { proxyUrl, app } = await startProxy({ primary, candidate })
    ledger.sent()
    const res = await request(proxyUrl + '/stream')
    expect(res.statusCode).toBe(200)
    for await (const _chunk of res.body) break // one chunk, then go away (destroys the body stream)
    await until(() => primaryClosedEarly === 1, 'the primary to see its request cancelled')
    await app.drain()
    expect(candidateAnswered).toBe(1)
    expect(app.scheduler.inFlight + app.scheduler.queued).toBe(0)
    // The client never got the whole primary answer: nothing to compare against.
    expect(app.stats.compared).toBe(0)
    expect(app.stats.skippedBy.primaryFailed).toBe(1)
    await until(() => app.stats.served === 1, 'the aborted response to be counted')
    expectAccountingCloses(app)
    // No connection left behind once the client's sockets are gone.
    const getConnections = promisify(app.proxy.getConnections.bind(app.proxy))
    await getPrimaryBytes(proxyUrl + '/after')
    expect(await getConnections()).toBeLessThanOrEqual(1)
  })
})

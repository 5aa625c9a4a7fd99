import { describe, expect, it } from 'vitest'
import type net from 'node:net'
import { startRawUpstream } from '../helpers/upstream.js'
import { runCandidateFault, until, useLedger } from './fault-kit.js'

useLedger(import.meta.filename)

/**
 * A candidate that never finishes; `open` holds the sockets that carried a
 * request and are still open. (undici may also open a spare connection after
 * an abort; that one idles out after the pool's keep-alive timeout.)
 */
async function stallingCandidate(onRequest: (socket: net.Socket) => void) {
  const open = new Set<net.Socket>()
  const url = await startRawUpstream((socket) => {
    socket.once('data', () => {
      open.add(socket)
      socket.on('close', () => open.delete(socket))
      onRequest(socket)
    })
  })
  return { url, open }
}

describe('candidate stalls forever', () => {
  it('before any byte of the answer: TIMEOUT recorded, and the proxy closes its sockets to the candidate', async () => {
    const candidate = await stallingCandidate(() => {})
    const { app, rows, n } = await runCandidateFault({ candidate: candidate.url, requests: 5, config: { mirror: { timeoutMs: 150 } } })
    expect(app.stats.compared).toBe(n)
    for (const row of rows) expect(row.divergences).toEqual([expect.objectContaining({ kind: 'error', code: 'TIMEOUT' })])
    // The aborted mirrors must not leave sockets behind (fd leak).
    await until(() => candidate.open.size === 0, 'the proxy to close its stalled candidate sockets')
  })

  it('after the headers and part of the body: TIMEOUT recorded, sockets closed', async () => {
    const candidate = await stallingCandidate((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf'))
    const { app, rows, n } = await runCandidateFault({ candidate: candidate.url, requests: 5, config: { mirror: { timeoutMs: 150 } } })
    expect(app.stats.compared).toBe(n)
    for (const row of rows) expect(row.divergences).toEqual([expect.objectContaining({ kind: 'error', code: 'TIMEOUT' })])
    await until(() => candidate.open.size === 0, 'the proxy to close its stalled candidate sockets')
  })
})

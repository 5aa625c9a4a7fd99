import { describe, expect, it } from 'vitest'
import { startRawUpstream } from '../helpers/upstream.js'
import { runCandidateFault, useLedger } from './fault-kit.js'

useLedger(import.meta.filename)

describe('candidate resets the connection in the middle of its headers', () => {
  it('serves the primary bytes and records a RESET error divergence per request', async () => {
    const candidate = await startRawUpstream((socket) =>
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Type: appli')
        setImmediate(() => socket.resetAndDestroy())
      }),
    )
    const { app, rows, n } = await runCandidateFault({ candidate, requests: 10 })
    expect(app.stats.compared).toBe(n)
    expect(app.stats.candidateErrors).toBe(n)
    expect(rows).toHaveLength(n)
    for (const row of rows) expect(row.divergences).toEqual([expect.objectContaining({ kind: 'error', code: 'RESET' })])
  })
})

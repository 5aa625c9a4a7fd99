import { describe, expect, it } from 'vitest'
import { startRawUpstream } from '../helpers/upstream.js'
import { runCandidateFault, useLedger } from './fault-kit.js'

useLedger(import.meta.filename)

describe('candidate resets the connection in the middle of its body', () => {
  it('serves the primary bytes and records a RESET error divergence, never a truncated body as a success', async () => {
    const candidate = await startRawUpstream((socket) =>
      socket.once('data', () => {
        socket.write('HTTP/1.1 203 Non-Authoritative\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\n{"from":"prim')
        setTimeout(() => socket.resetAndDestroy(), 5)
      }),
    )
    const { app, rows, n } = await runCandidateFault({ candidate, requests: 10 })
    expect(app.stats.compared).toBe(n)
    expect(app.stats.candidateErrors).toBe(n)
    expect(rows).toHaveLength(n)
    for (const row of rows) {
      expect(row.divergences).toEqual([expect.objectContaining({ kind: 'error', code: 'RESET' })])
      // Headers had arrived, but a broken body is an error, not a 203 to compare.
      expect(row.candidateStatus).toBeNull()
    }
  })
})

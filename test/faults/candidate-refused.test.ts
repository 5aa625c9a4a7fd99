import { describe, expect, it } from 'vitest'
import { closedPortUrl } from '../helpers/upstream.js'
import { runCandidateFault, useLedger } from './fault-kit.js'

useLedger(import.meta.filename)

describe('candidate refuses connections', () => {
  it('serves the primary bytes and records one REFUSED error divergence per request', async () => {
    const { app, rows, n } = await runCandidateFault({ candidate: await closedPortUrl(), requests: 10 })
    expect(app.stats.compared).toBe(n)
    expect(app.stats.candidateErrors).toBe(n)
    expect(rows).toHaveLength(n)
    for (const row of rows) {
      expect(row.kinds).toEqual(['error'])
      expect(row.divergences).toEqual([expect.objectContaining({ kind: 'error', code: 'REFUSED' })])
      expect(row.candidateStatus).toBeNull()
      expect(row.primaryStatus).toBe(203)
    }
  })
})

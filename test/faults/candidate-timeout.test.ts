import { describe, expect, it } from 'vitest'
import { json, startUpstream } from '../helpers/upstream.js'
import { runCandidateFault, useLedger } from './fault-kit.js'

useLedger(import.meta.filename)

describe('candidate answers after the mirror timeout', () => {
  it('serves the primary bytes without waiting and records a TIMEOUT error divergence', async () => {
    const candidate = await startUpstream((_req, res) => setTimeout(() => json(res, 200, { late: true }), 400))
    const started = performance.now()
    const { app, rows, n } = await runCandidateFault({ candidate, requests: 5, config: { mirror: { timeoutMs: 100 } } })
    expect(app.stats.compared).toBe(n)
    expect(app.stats.candidateErrors).toBe(n)
    for (const row of rows) expect(row.divergences).toEqual([expect.objectContaining({ kind: 'error', code: 'TIMEOUT' })])
    // The whole run (5 requests + drain) is bounded by the mirror timeout, not the candidate's 400 ms.
    expect(performance.now() - started).toBeLessThan(5 * 400)
  })
})

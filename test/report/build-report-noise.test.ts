import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildReport } from '../../src/report/build-report.js'
import { openDatabase } from '../../src/store/open-database.js'
import { Recorder } from '../../src/store/recorder.js'
import { bodyDivergence, exchange, tempDir } from '../store/fixtures.js'

describe('buildReport noise and error counts', () => {
  it('counts noise per field without counting it divergent, and candidate errors the gate judges', () => {
    const file = path.join(tempDir(), 'a.db')
    const recorder = new Recorder(openDatabase(file), { flushIntervalMs: 0 })
    const at = Date.UTC(2025, 0, 1, 12, 0, 0)
    // Equal after noise was classed away: counted as noise, not divergent.
    recorder.recordCompared(exchange({ at }), { noise: [bodyDivergence('/updatedAt')] })
    // Divergent with noise on the side.
    recorder.recordCompared(exchange({ at, divergences: [bodyDivergence('/name')] }), { noise: [bodyDivergence('/updatedAt')] })
    // Candidate failures: one where the primary was fine, one where both were 5xx.
    recorder.recordCompared(exchange({ at, candidateError: 'ECONNREFUSED', divergences: [{ kind: 'error', code: 'ECONNREFUSED', message: 'refused' }] }))
    recorder.recordCompared(exchange({ at, primaryStatus: 503, candidateStatus: 503 }))
    recorder.recordCompared(exchange({ at, candidateStatus: 500, divergences: [{ kind: 'status', primary: 200, candidate: 500 }] }))
    recorder.close()

    const r = buildReport([file], {})
    // Candidate errors: failed where the primary did not, one refused (network) and one 500 (5xx); the 503 against the primary's 503 is not one.
    expect(r.totals).toMatchObject({ compared: 5, divergent: 3, noise: 1, candidateErrors: 2, candidateErrorsBy: { status5xx: 1, network: 1 }, candidate5xx: 2, primary5xx: 1, candidateNewErrors: 2, errorRate: 0.4 })
    const [e] = r.endpoints
    // count is the raw count (divergent + noise). Noise learned from no
    // secondary at all is not accepted: the gate counts it as divergent.
    expect(e.fields).toEqual([
      { field: '/updatedAt', op: 'replace', count: 2, noiseCount: 2, decision: 'insufficient-data' },
      { field: '/name', op: 'replace', count: 1, noiseCount: 0, decision: 'divergent' },
      { field: 'error:ECONNREFUSED', op: 'error', count: 1, noiseCount: 0, decision: 'divergent' },
      { field: 'status', op: 'status', count: 1, noiseCount: 0, decision: 'divergent' },
    ])
    expect(e.noiseOverruled).toBe(1)
    expect(r.totals.noiseOverruled).toBe(1)
    // A refused candidate has no latency sample.
    expect(e.latency.candidate.count).toBe(4)
    expect(r.verdict.errorRate).toBe(0.4)
  })
})

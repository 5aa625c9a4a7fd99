import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildReport } from '../../src/report/build-report.js'
import { openDatabase } from '../../src/store/open-database.js'
import { Recorder } from '../../src/store/recorder.js'
import { NoiseProfile } from '../../src/noise/noise-profile.js'
import { bodyDivergence, exchange, tempDir } from '../store/fixtures.js'

/**
 * 200 exchanges whose only difference, /flag, was classed as noise, over a
 * learned baseline of `samples` secondary answers of which `differed` differed.
 */
function run(samples: number, differed: number): string {
  const file = path.join(tempDir(), 'gate.db')
  const recorder = new Recorder(openDatabase(file), { flushIntervalMs: 0 })
  const profile = new NoiseProfile(100)
  recorder.attachLearnedNoise(profile)
  for (let i = 0; i < samples; i++) {
    profile.learn('GET', '/api/users/:id', 0, i < differed ? new Map([['replace\u0000/flag', { formats: new Set(['boolean']), formatPreserving: true, numeric: false, magnitude: 0 }]]) : new Map())
  }
  const at = Date.UTC(2025, 0, 1, 12)
  for (let i = 0; i < 200; i++) recorder.recordCompared(exchange({ at }), { noise: [bodyDivergence('/flag')] })
  recorder.close()
  return file
}

describe('the gate never passes a candidate on noise without evidence', () => {
  it('noise learned from too few secondary answers counts as divergent', () => {
    const r = buildReport([run(10, 10)], {})
    const [e] = r.endpoints
    expect(e.fields[0]).toMatchObject({ field: '/flag', count: 200, noiseCount: 200, decision: 'insufficient-data', secondary: { differed: 10, samples: 10 } })
    expect(e.noiseOverruled).toBe(200)
    expect(r.verdict.ok).toBe(false)
    expect(r.verdict.reasons.join('\n')).toContain('divergence 100.0% > 1.0% (200/200, of which 200 noise not accepted)')
  })

  it('noise far more frequent than the primary-vs-secondary noise counts as divergent', () => {
    const r = buildReport([run(400, 8)], {})
    expect(r.endpoints[0].fields[0].decision).toBe('divergent')
    expect(r.endpoints[0].fields[0].pValue).toBeLessThan(0.01)
    expect(r.verdict.ok).toBe(false)
  })

  it('noise as frequent as the primary-vs-secondary noise passes, counted apart', () => {
    const r = buildReport([run(400, 400)], {})
    expect(r.endpoints[0].fields[0]).toMatchObject({ decision: 'noise', count: 200, noiseCount: 200 })
    expect(r.totals).toMatchObject({ divergent: 0, noise: 200, noiseOverruled: 0 })
    expect(r.verdict.ok).toBe(true)
  })

  it('the report confidence and minimum samples are options', () => {
    expect(buildReport([run(10, 10)], { noise: { minSamples: 5 } }).verdict.ok).toBe(true)
    expect(() => buildReport([run(10, 10)], { noise: { confidence: 2 } })).toThrow(/noise.confidence must be a number between 0 and 1/)
  })
})

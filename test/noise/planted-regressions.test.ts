import { describe, expect, it } from 'vitest'
import { startProxy } from '../helpers/proxy.js'
import { buildReport } from '../../src/report/build-report.js'
import { PLANTED_KINDS, plantedFields, startNoisyService } from '../fixtures/noisy-service.js'
import { drive, paths } from './drive.js'

describe('noise cancellation with a secondary, no rules', () => {
  it('reports every planted regression and no noise, over 400 exchanges through the proxy', async () => {
    const primary = await startNoisyService('primary')
    // Every 10th secondary call after the first 40 fails: those exchanges fall back on learned noise.
    const secondary = await startNoisyService('secondary', { failEvery: 10, failAfter: 40 })
    const candidate = await startNoisyService('candidate')
    const { app, proxyUrl, db } = await startProxy({ primary, candidate, secondary })

    const score = await drive(app, proxyUrl, paths(400))
    console.log(
      `noise, with secondary: ${score.found}/${score.planted} planted found, ${score.falseAlarms} false alarms, ` +
        `${score.withNoise}/${score.exchanges} exchanges with noise cancelled; missed: ${score.missed.join(', ') || 'none'}; alarms: ${score.alarms.slice(0, 10).join(', ') || 'none'}`,
    )
    expect(score.exchanges).toBe(400)
    expect(score.alarms).toEqual([])
    expect(score.withNoise).toBeGreaterThan(300)
    // Every one, including a /score jump in the first exchanges, while the
    // jitter's size is still being learned: those wait for the bound (held-exchanges.ts).
    expect(score.missed).toEqual([])
    expect(score.found).toBe(score.planted)
    expect(app.compare.held).toBe(0)

    const report = buildReport([db])
    const fields = report.endpoints.flatMap((e) => e.fields.map((f) => ({ ...f, key: `${f.op} ${f.field}`, endpoint: `${e.method} ${e.route}` })))
    const divergent = fields.filter((f) => f.decision !== 'noise').map((f) => f.key)
    expect(new Set(divergent)).toEqual(new Set(PLANTED_KINDS))
    // Noise is counted apart, with its evidence.
    const noise = fields.filter((f) => f.decision === 'noise')
    // `date` differs only when the primary and the secondary answer in different seconds: noise when it happens.
    expect([...new Set(noise.map((f) => f.key))].filter((k) => k !== 'header header:date').sort()).toEqual([
      'header header:etag',
      'header header:x-instance-nonce',
      'move /items',
      'move /tags',
      'replace /items/*/weight',
      'replace /requestId',
      'replace /token',
    ])
    for (const f of noise) expect(f.secondary?.samples).toBeGreaterThanOrEqual(30)
    // A regression in a noisy field is reported, and its noise still counted apart.
    const generatedAt = fields.find((f) => f.key === 'replace /generatedAt')!
    const formatChanged = paths(400).filter((p) => plantedFields(p).includes('replace /generatedAt')).length
    expect(generatedAt.count - generatedAt.noiseCount).toBe(formatChanged)
    expect(generatedAt.noiseCount).toBeGreaterThan(200)
    expect(report.totals.noiseOverruled).toBe(0)
    console.table(fields.map(({ endpoint, key, count, noiseCount, decision, pValue, secondary }) => ({ endpoint, key, count, noiseCount, decision, pValue, secondary: secondary && `${secondary.differed}/${secondary.samples}` })))
  })
})

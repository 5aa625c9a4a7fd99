import { describe, expect, it } from 'vitest'
import { startProxy } from '../helpers/proxy.js'
import { startUpstream } from '../helpers/upstream.js'
import { startNoisyService } from '../fixtures/noisy-service.js'
import { drive, paths } from './drive.js'

describe('a stalled secondary', () => {
  it('holds mirror slots no longer than the mirror timeout, is awaited by drain(), and without learned noise hides nothing', async () => {
    const primary = await startNoisyService('primary')
    const candidate = await startNoisyService('candidate')
    // Accepts requests and never answers.
    const secondary = await startUpstream(() => {})
    const { app, proxyUrl } = await startProxy({ primary, candidate, secondary, mirror: { timeoutMs: 300, maxInFlight: 8, concurrency: 'fixed' } })
    const started = Date.now()
    const score = await drive(app, proxyUrl, paths(20), 4)
    expect(Date.now() - started).toBeLessThan(10_000)
    // The slot waits for the secondary: what could not get one in time was dropped as stale, and counted.
    expect(score.exchanges).toBeGreaterThan(0)
    expect(score.exchanges + app.stats.dropped).toBe(20)
    expect(app.noise.stats().learned).toBe(0)
    // No evidence at all: the noise is reported, never silently dropped.
    expect(score.withNoise).toBe(0)
    expect(score.falseAlarms).toBeGreaterThan(score.exchanges)
    expect(score.missed).toEqual([])
  })
})

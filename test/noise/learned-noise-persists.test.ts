import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startProxy, tempDir } from '../helpers/proxy.js'
import { openDatabase } from '../../src/store/open-database.js'
import { readLearnedNoise } from '../../src/store/learned-noise.js'
import { startNoisyService } from '../fixtures/noisy-service.js'
import { drive, paths } from './drive.js'

describe('learned noise is persisted and loaded at start', () => {
  it('a later run without a secondary still cancels the noise and reports every planted regression', async () => {
    const primary = await startNoisyService('primary')
    const secondary = await startNoisyService('secondary')
    const candidate = await startNoisyService('candidate')
    const db = join(tempDir(), 'learned.db')

    const first = await startProxy({ primary, candidate, secondary, db })
    await drive(first.app, first.proxyUrl, paths(200))
    await first.app.close()

    const ro = openDatabase(db, { readonly: true })
    const stored = readLearnedNoise(ro)
    ro.close()
    const users = stored.routes.find((r) => r.route === '/users/:id')!
    expect(users.exchanges).toBe(160)
    const row = (field: string, op: string) => stored.fields.find((f) => f.route === '/users/:id' && f.field === field && f.op === op)
    expect(row('/score', 'replace')).toMatchObject({ kind: 'numeric', observed: 160, numeric: 160 })
    expect(row('/score', 'replace')!.max_magnitude).toBeGreaterThan(0.005)
    expect(row('/score', 'replace')!.max_magnitude).toBeLessThanOrEqual(0.01)
    expect(row('/tags', 'move')).toMatchObject({ kind: 'order' })
    expect(row('/requestId', 'replace')).toMatchObject({ kind: 'format', formats: '["uuid"]' })
    expect(row('header:etag', 'header')).toMatchObject({ kind: 'format', formats: '["etag(hex:32)"]' })

    // Same database, no secondary, no rules: the learned noise does the work.
    const second = await startProxy({ primary, candidate, db })
    const loaded = second.app.noise.stats()
    expect(loaded.fields).toBe(stored.fields.length)
    const run = await drive(second.app, second.proxyUrl, paths(300))
    console.log(`noise, learned only (no secondary): ${run.found}/${run.planted} planted found, ${run.falseAlarms} false alarms`)
    expect(run.alarms).toEqual([])
    expect(run.missed).toEqual([])
    expect(run.withNoise).toBe(300)
  })
})

import path from 'node:path'
import Sqlite from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/store/open-database.js'
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/schema.js'
import { Recorder } from '../../src/store/recorder.js'
import { readLearnedNoise } from '../../src/store/learned-noise.js'
import { NoiseProfile } from '../../src/noise/noise-profile.js'
import type { Observations } from '../../src/noise/noise-profile.js'
import { tempDir } from '../store/fixtures.js'

const uuid: Observations = new Map([['replace\u0000/requestId', { formats: new Set(['uuid']), formatPreserving: true, numeric: false, magnitude: 0 }]])
const jitter = (m: number): Observations => new Map([['replace\u0000/load', { formats: new Set(['number']), formatPreserving: true, numeric: true, magnitude: m }]])

describe('learned noise in the store', () => {
  it('a version 1 file gains the learned-noise tables on a writable open and keeps its data', () => {
    const file = path.join(tempDir(), 'v1.db')
    const raw = new Sqlite(file)
    raw.exec(MIGRATIONS[0])
    raw.prepare("INSERT INTO meta (key, value) VALUES ('created_at', 'then')").run()
    raw.pragma('user_version = 1')
    raw.close()
    expect(() => openDatabase(file, { readonly: true })).toThrow(/schema version 1 is older than 2; open it once read-write/)
    const db = openDatabase(file)
    expect(readLearnedNoise(db)).toEqual({ routes: [], fields: [] })
    expect(db.prepare("SELECT value FROM meta WHERE key = 'created_at'").pluck().get()).toBe('then')
    db.close()
  })

  it('the recorder writes what changed with each flush, retries after a failure, and a new profile loads it', () => {
    const file = path.join(tempDir(), 'learned.db')
    const db = openDatabase(file)
    const recorder = new Recorder(db, { flushIntervalMs: 0 })
    const profile = new NoiseProfile(100)
    expect(recorder.attachLearnedNoise(profile)).toEqual({ routes: [], fields: [] })
    profile.learn('GET', '/r', 1000, uuid)
    profile.learn('GET', '/r', 2000, jitter(0.004))
    db.exec('ALTER TABLE learned_noise RENAME TO hidden')
    recorder.flush()
    expect(recorder.stats().lastError).toMatch(/learned noise: .*no such table: learned_noise/)
    db.exec('ALTER TABLE hidden RENAME TO learned_noise')
    profile.learn('GET', '/r', 3000, jitter(0.007))
    recorder.flush()
    expect(profile.takeDirty()).toBeNull()
    recorder.close()

    const ro = openDatabase(file, { readonly: true })
    const stored = readLearnedNoise(ro)
    ro.close()
    expect(stored.routes).toEqual([{ method: 'GET', route: '/r', exchanges: 3, first_at: 1000, last_at: 3000 }])
    expect(stored.fields).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: '/requestId', op: 'replace', kind: 'format', observed: 1, formats: '["uuid"]' }),
        expect.objectContaining({ field: '/load', op: 'replace', kind: 'numeric', observed: 2, numeric: 2, max_magnitude: 0.007 }),
      ]),
    )
    const again = new NoiseProfile(100)
    again.load(stored)
    expect(again.route('GET', '/r')).toMatchObject({ exchanges: 3 })
    expect(again.route('GET', '/r')!.fields.get('replace\u0000/load')).toMatchObject({ observed: 2, maxMagnitude: 0.007 })
  })

  it('learning is bounded: fields beyond maxFields are counted, not kept', () => {
    const profile = new NoiseProfile(1)
    profile.learn('GET', '/r', 0, uuid)
    profile.learn('GET', '/r', 0, jitter(1))
    expect(profile.size).toBe(1)
    expect(profile.dropped).toBe(1)
  })
})

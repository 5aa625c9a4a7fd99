import path from 'node:path'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/store/open-database.js'
import { Recorder } from '../../src/store/recorder.js'
import { bodyDivergence, exchange, tempDir } from './fixtures.js'

describe('Recorder pending bounds', () => {
  it('drops divergent details beyond maxPending as lost without blocking, but keeps every count', () => {
    const file = path.join(tempDir(), 'a.db')
    const recorder = new Recorder(openDatabase(file), { flushIntervalMs: 0, maxPending: 10 })
    for (let i = 0; i < 25; i++) expect(() => recorder.recordCompared(exchange({ divergences: [bodyDivergence()] }))).not.toThrow()
    expect(recorder.stats()).toMatchObject({ pending: 25, lostDetails: 15, lost: 0 })
    recorder.close()
    const db = openDatabase(file, { readonly: true })
    expect(db.prepare('SELECT compared, divergent FROM counters').get()).toEqual({ compared: 25, divergent: 25 })
    expect(db.prepare('SELECT count(*) AS n FROM exchanges').get()).toEqual({ n: 10 })
    db.close()
  })

  it('flushes early once maxBatch details are queued, when the timer is on', async () => {
    const file = path.join(tempDir(), 'a.db')
    const recorder = new Recorder(openDatabase(file), { flushIntervalMs: 60_000, maxBatch: 5 })
    for (let i = 0; i < 5; i++) recorder.recordCompared(exchange({ divergences: [bodyDivergence()] }))
    expect(recorder.stats().flushes).toBe(0) // never inside the caller's turn
    await nextTurn()
    expect(recorder.stats()).toMatchObject({ flushes: 1, written: 5, pending: 0 })
    recorder.close()
  })

  it('caps stored body size at bodyCapBytes', () => {
    const file = path.join(tempDir(), 'a.db')
    const recorder = new Recorder(openDatabase(file), { flushIntervalMs: 0, bodyCapBytes: 100 })
    recorder.recordCompared(exchange({ id: 'big', primaryBody: 'p'.repeat(10_000), candidateBody: 'c'.repeat(10_000), divergences: [{ kind: 'body', text: 'differs' }] }))
    recorder.close()
    const db = openDatabase(file, { readonly: true })
    expect(db.prepare("SELECT length(primary_body) AS p, length(candidate_body) AS c FROM exchanges WHERE id = 'big'").get()).toEqual({ p: 100, c: 100 })
    db.close()
  })

  it('rejects bad options naming the key and value', () => {
    const db = openDatabase(path.join(tempDir(), 'a.db'))
    expect(() => new Recorder(db, { maxPending: 0 })).toThrow(/store\.maxPending must be a positive integer, got 0/)
    expect(() => new Recorder(db, { flushIntervalMs: -1 })).toThrow(/store\.flushIntervalMs must be a non-negative number, got -1/)
    expect(() => new Recorder(db, { retention: { retainDays: -3 } })).toThrow(/store\.retention\.retainDays must be a non-negative number, got -3/)
    db.close()
  })
})

import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/store/open-database.js'
import { Recorder } from '../../src/store/recorder.js'
import { bodyDivergence, exchange, tempDir } from './fixtures.js'

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0)

describe('example sampling', () => {
  it('stores at most maxExamplesPerMinute examples per minute, endpoint and field set, and counts every divergence', () => {
    const file = path.join(tempDir(), 'a.db')
    const recorder = new Recorder(openDatabase(file), { flushIntervalMs: 0, maxExamplesPerMinute: 3 })
    for (let minute = 0; minute < 2; minute++) {
      for (let i = 0; i < 10; i++) {
        const at = T0 + minute * 60_000 + i
        recorder.recordCompared(exchange({ id: `b${minute}-${i}`, at, route: '/a', divergences: [bodyDivergence('/name')] }))
        recorder.recordCompared(exchange({ id: `s${minute}-${i}`, at, route: '/a', divergences: [{ kind: 'status', primary: 200, candidate: 500 }] }))
        recorder.recordCompared(exchange({ id: `o${minute}-${i}`, at, route: '/b', divergences: [bodyDivergence('/name')] }))
      }
      recorder.flush() // the budget is per minute, not per flush
    }
    expect(recorder.stats()).toMatchObject({ sampledOut: 2 * 3 * 7, lostDetails: 0, lost: 0 })
    recorder.close()
    const db = openDatabase(file, { readonly: true })
    const ids = db.prepare('SELECT id FROM exchanges ORDER BY id').pluck().all()
    expect(ids).toEqual(['b0-0', 'b0-1', 'b0-2', 'b1-0', 'b1-1', 'b1-2', 'o0-0', 'o0-1', 'o0-2', 'o1-0', 'o1-1', 'o1-2', 's0-0', 's0-1', 's0-2', 's1-0', 's1-1', 's1-2'])
    expect(db.prepare('SELECT sum(divergent) FROM counters').pluck().get()).toBe(60)
    db.close()
  })

  it('stores every example when maxExamplesPerMinute is 0', () => {
    const file = path.join(tempDir(), 'a.db')
    const recorder = new Recorder(openDatabase(file), { flushIntervalMs: 0, maxExamplesPerMinute: 0 })
    for (let i = 0; i < 100; i++) recorder.recordCompared(exchange({ at: T0, divergences: [bodyDivergence()] }))
    recorder.close()
    const db = openDatabase(file, { readonly: true })
    expect(db.prepare('SELECT count(*) FROM exchanges').pluck().get()).toBe(100)
    db.close()
  })
})

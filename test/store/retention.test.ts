import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/store/open-database.js'
import { Recorder } from '../../src/store/recorder.js'
import { bodyDivergence, exchange, tempDir } from './fixtures.js'

const DAY = 86_400_000
const NOW = Date.UTC(2025, 0, 31, 12, 0, 0)

describe('retention', () => {
  it('deletes aggregates and exchanges older than retainDays, in bounded steps', () => {
    const file = path.join(tempDir(), 'a.db')
    let now = NOW
    const recorder = new Recorder(openDatabase(file), { flushIntervalMs: 0, now: () => now, retention: { retainDays: 7, pruneBatch: 2, pruneIntervalMs: 1 } })
    for (let d = 0; d < 10; d++) {
      const at = NOW - d * DAY
      recorder.count(at, 'GET', '/a', 'served')
      recorder.recordCompared(exchange({ id: `d${d}`, at, route: '/a', divergences: [bodyDivergence()] }))
    }
    recorder.flush() // writes, then one prune step: at most 2 rows per table
    const db = openDatabase(file, { readonly: true })
    const counts = () => db.prepare('SELECT (SELECT count(*) FROM counters) AS c, (SELECT count(*) FROM exchanges) AS e, (SELECT count(*) FROM fields) AS f').get()
    // Days 8 and 9 (older than 7 days) are gone; day 7 is exactly at the cutoff minute and stays.
    expect(counts()).toEqual({ c: 8, e: 8, f: 8 })
    now += 10
    recorder.flush()
    expect(counts()).toEqual({ c: 8, e: 8, f: 8 })
    // A week later, the next steps prune in batches of 2.
    now += 3 * DAY
    recorder.flush()
    expect(counts()).toEqual({ c: 6, e: 6, f: 6 })
    now += 10
    recorder.flush()
    expect(counts()).toEqual({ c: 5, e: 5, f: 5 })
    db.close()
    recorder.close()
  })

  it('keeps at most maxExamplesPerSignature examples per endpoint and field set, newest kept, counts untouched', () => {
    const file = path.join(tempDir(), 'a.db')
    const recorder = new Recorder(openDatabase(file), { flushIntervalMs: 0, retention: { maxExamplesPerSignature: 3 } })
    for (let i = 0; i < 10; i++) {
      recorder.recordCompared(exchange({ id: `n${i}`, at: NOW + i, route: '/a', divergences: [bodyDivergence('/name')] }))
      recorder.recordCompared(exchange({ id: `s${i}`, at: NOW + i, route: '/a', divergences: [{ kind: 'status', primary: 200, candidate: 500 }] }))
      if (i % 4 === 0) recorder.flush()
    }
    recorder.close()
    const db = openDatabase(file, { readonly: true })
    expect(db.prepare('SELECT id FROM exchanges ORDER BY id').all().map((r) => (r as { id: string }).id)).toEqual(['n7', 'n8', 'n9', 's7', 's8', 's9'])
    expect(db.prepare('SELECT divergent FROM counters').get()).toEqual({ divergent: 20 })
    db.close()
  })

  it('deletes the oldest exchanges while the used size exceeds maxDbMb', () => {
    const file = path.join(tempDir(), 'a.db')
    let now = NOW
    const recorder = new Recorder(openDatabase(file), {
      flushIntervalMs: 0,
      now: () => now,
      bodyCapBytes: 64 * 1024,
      retention: { maxDbMb: 1, pruneBatch: 5, pruneIntervalMs: 1, maxExamplesPerSignature: 0 },
    })
    const body = 'z'.repeat(60 * 1024)
    for (let i = 0; i < 40; i++) recorder.recordCompared(exchange({ id: `e${String(i).padStart(2, '0')}`, at: NOW + i, primaryBody: body + i, divergences: [bodyDivergence()] }))
    recorder.flush()
    const db = openDatabase(file, { readonly: true })
    const ids = () => db.prepare('SELECT id FROM exchanges ORDER BY at').all().map((r) => (r as { id: string }).id)
    expect(ids()).toHaveLength(35)
    expect(ids()[0]).toBe('e05')
    for (let step = 0; step < 10; step++) {
      now += 10
      recorder.flush()
    }
    const left = ids()
    expect(left.length).toBeLessThanOrEqual(16)
    expect(left.at(-1)).toBe('e39') // the newest survive
    db.close()
    recorder.close()
  })
})

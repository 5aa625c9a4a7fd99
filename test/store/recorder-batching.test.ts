import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/store/open-database.js'
import { Recorder } from '../../src/store/recorder.js'
import type { Database } from '../../src/store/open-database.js'
import { bodyDivergence, exchange, tempDir } from './fixtures.js'

/** Counts transactions run through db.transaction() (every write path of the recorder uses it). */
function countTransactions(db: Database) {
  const counter = { runs: 0 }
  const original = db.transaction.bind(db)
  db.transaction = ((fn: (...args: unknown[]) => unknown) => {
    const txn = original(fn)
    const wrap = (mode: 'default' | 'deferred' | 'immediate' | 'exclusive') =>
      (...args: unknown[]) => {
        counter.runs++
        return txn[mode](...args)
      }
    return Object.assign(wrap('default'), { default: wrap('default'), deferred: wrap('deferred'), immediate: wrap('immediate'), exclusive: wrap('exclusive') })
  }) as typeof db.transaction
  return counter
}

describe('Recorder batching', () => {
  it('writes N records in one transaction per flush and aggregates equal exchanges into one row', () => {
    const file = path.join(tempDir(), 'a.db')
    const db = openDatabase(file)
    const transactions = countTransactions(db)
    const at = Date.UTC(2025, 0, 1, 12, 0, 30)
    // The recorder's clock at the traffic's time: rows of 2025 written "now" would be past the
    // per-second horizon, and the prune step that removes them is a transaction of its own.
    const recorder = new Recorder(db, { flushIntervalMs: 0, now: () => at })
    for (let i = 0; i < 1000; i++) {
      recorder.count(at, 'GET', '/api/users/:id', 'served')
      recorder.count(at, 'GET', '/api/users/:id', 'mirrored')
      recorder.recordCompared(exchange({ at, divergences: i % 10 === 0 ? [bodyDivergence()] : [] }))
    }
    expect(recorder.stats()).toMatchObject({ pending: 3000, written: 0, flushes: 0 })
    const before = db.prepare('SELECT count(*) AS n FROM counters').get()
    expect(before).toEqual({ n: 0 }) // nothing written before flush
    const runsBefore = transactions.runs
    recorder.flush()
    expect(transactions.runs - runsBefore).toBe(1)
    expect(recorder.stats()).toMatchObject({ pending: 0, written: 3000, lost: 0, flushes: 1 })
    const ro = openDatabase(file, { readonly: true })
    expect(ro.prepare('SELECT count(*) AS n FROM counters').get()).toEqual({ n: 1 })
    // The same exchanges per second, in the same transaction (schema version 3).
    expect(ro.prepare('SELECT second, served, compared FROM second_counters').all()).toEqual([{ second: at / 1000, served: 1000, compared: 1000 }])
    expect(ro.prepare('SELECT served, mirrored, compared, divergent FROM counters').get()).toEqual({
      served: 1000,
      mirrored: 1000,
      compared: 1000,
      divergent: 100,
    })
    // 100 divergent in one minute, one field set: the default 60 examples per minute are stored.
    expect(ro.prepare('SELECT count(*) AS n FROM exchanges').get()).toEqual({ n: 60 })
    expect(ro.prepare("SELECT field, op, count FROM fields").all()).toEqual([{ field: '/name', op: 'replace', count: 100 }])
    ro.close()
    // A second flush with nothing pending writes nothing.
    const runs = transactions.runs
    recorder.flush()
    expect(recorder.stats().flushes).toBe(1)
    expect(transactions.runs).toBe(runs)
    recorder.close()
  })

  it('adds to existing rows across flushes (upserts)', () => {
    const file = path.join(tempDir(), 'a.db')
    const recorder = new Recorder(openDatabase(file), { flushIntervalMs: 0 })
    const at = Date.UTC(2025, 0, 1, 12, 0, 0)
    recorder.count(at, 'GET', '/x', 'served', 5)
    recorder.flush()
    recorder.count(at + 1000, 'GET', '/x', 'served', 7)
    recorder.flush()
    recorder.close()
    const ro = openDatabase(file, { readonly: true })
    expect(ro.prepare('SELECT served FROM counters').all()).toEqual([{ served: 12 }])
    ro.close()
  })

  it('flushes on its timer and on close', async () => {
    const file = path.join(tempDir(), 'a.db')
    const recorder = new Recorder(openDatabase(file), { flushIntervalMs: 5 })
    recorder.count(Date.now(), 'GET', '/x', 'served')
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (recorder.stats().flushes > 0) {
          clearInterval(poll)
          resolve()
        }
      }, 5)
    })
    expect(recorder.stats().written).toBe(1)
    recorder.count(Date.now(), 'GET', '/x', 'served')
    recorder.close()
    const ro = openDatabase(file, { readonly: true })
    expect(ro.prepare('SELECT sum(served) AS n FROM counters').get()).toEqual({ n: 2 })
    ro.close()
  })
})

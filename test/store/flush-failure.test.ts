import path from 'node:path'
import Sqlite from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/store/open-database.js'
import { Recorder } from '../../src/store/recorder.js'
import { bodyDivergence, exchange, tempDir } from './fixtures.js'

function logger() {
  const lines: { level: string; msg?: string }[] = []
  return {
    lines,
    warn: (_obj: object, msg?: string) => void lines.push({ level: 'warn', msg }),
    error: (_obj: object, msg?: string) => void lines.push({ level: 'error', msg }),
  }
}

describe('Recorder when the database fails', () => {
  it('keeps recording while another connection holds the write lock, then writes everything (SQLITE_BUSY)', () => {
    const file = path.join(tempDir(), 'a.db')
    const log = logger()
    const recorder = new Recorder(openDatabase(file, { busyTimeoutMs: 10 }), { flushIntervalMs: 0, logger: log })
    const at = Date.UTC(2025, 0, 1, 12, 0, 0)
    const locker = new Sqlite(file)
    locker.exec('BEGIN EXCLUSIVE')

    for (let i = 0; i < 50; i++) {
      recorder.count(at, 'GET', '/x', 'served')
      recorder.recordCompared(exchange({ at, route: '/x', divergences: i < 5 ? [bodyDivergence()] : [] }))
    }
    expect(() => recorder.flush()).not.toThrow()
    expect(recorder.stats()).toMatchObject({ pending: 100, written: 0, lost: 0, failedFlushes: 1, flushes: 0 })
    expect(recorder.stats().lastError).toMatch(/^SQLITE_BUSY/)
    // Still recording while failing; a second failure is not logged again.
    recorder.count(at, 'GET', '/x', 'served')
    recorder.flush()
    expect(recorder.stats()).toMatchObject({ pending: 101, failedFlushes: 2 })
    expect(log.lines.filter((l) => l.level === 'error')).toHaveLength(1)

    locker.exec('COMMIT')
    recorder.flush()
    expect(recorder.stats()).toMatchObject({ pending: 0, written: 101, lost: 0, flushes: 1, lastError: null })
    expect(log.lines.at(-1)).toMatchObject({ level: 'warn', msg: expect.stringMatching(/writing again/) })
    const row = locker.prepare('SELECT served, compared, divergent FROM counters').get()
    expect(row).toEqual({ served: 51, compared: 50, divergent: 5 })
    expect(locker.prepare('SELECT count(*) AS n FROM exchanges').get()).toEqual({ n: 5 })
    locker.close()
    recorder.close()
  })

  it('counts what exceeds the bounds as lost while the disk is full (SQLITE_FULL), and recovers', () => {
    const file = path.join(tempDir(), 'a.db')
    const db = openDatabase(file)
    const recorder = new Recorder(db, { flushIntervalMs: 0, maxPending: 3, bodyCapBytes: 4096 })
    const at = Date.UTC(2025, 0, 1, 12, 0, 0)
    recorder.count(at, 'GET', '/x', 'served')
    recorder.flush()
    // Freeze the file at its current size: the next growth fails with SQLITE_FULL.
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`)
    const big = 'x'.repeat(4000)
    for (let i = 0; i < 5; i++) {
      recorder.recordCompared(exchange({ at, route: '/x', primaryBody: big + i, divergences: [bodyDivergence()] }))
    }
    // Only maxPending (3) details were queued; 2 were dropped at once.
    expect(recorder.stats().lostDetails).toBe(2)
    recorder.flush()
    expect(recorder.stats().lastError).toMatch(/^SQLITE_FULL/)
    expect(recorder.stats()).toMatchObject({ pending: 5, lost: 0, failedFlushes: 1 })

    db.pragma('max_page_count = 1073741823')
    recorder.flush()
    expect(recorder.stats()).toMatchObject({ pending: 0, written: 6, lost: 0, lostDetails: 2, lastError: null })
    expect(db.prepare('SELECT compared, divergent FROM counters').get()).toEqual({ compared: 5, divergent: 5 })
    expect(db.prepare('SELECT count(*) AS n FROM exchanges').get()).toEqual({ n: 3 })
    recorder.close()
  })

  it('drops aggregates beyond maxPendingAggregates while failing and counts their records as lost', () => {
    const file = path.join(tempDir(), 'a.db')
    const recorder = new Recorder(openDatabase(file, { busyTimeoutMs: 0 }), { flushIntervalMs: 0, maxPendingAggregates: 2 })
    const locker = new Sqlite(file)
    locker.exec('BEGIN IMMEDIATE')
    const at = Date.UTC(2025, 0, 1, 12, 0, 0)
    // Three aggregates in the failing batch...
    for (const route of ['/a', '/b', '/c']) recorder.count(at, 'GET', route, 'served', 1)
    recorder.flush()
    expect(recorder.stats()).toMatchObject({ pending: 2, lost: 1 })
    locker.exec('ROLLBACK')
    locker.close()
    recorder.flush()
    expect(recorder.stats()).toMatchObject({ pending: 0, written: 2, lost: 1 })
    recorder.close()
  })

  it('keeps running on a read-only connection, counting nothing as written (SQLITE_READONLY)', () => {
    const file = path.join(tempDir(), 'a.db')
    openDatabase(file).close()
    const recorder = new Recorder(openDatabase(file, { readonly: true }), { flushIntervalMs: 0 })
    recorder.count(Date.UTC(2025, 0, 1), 'GET', '/x', 'served')
    recorder.flush()
    expect(recorder.stats()).toMatchObject({ pending: 1, written: 0, failedFlushes: 1 })
    expect(recorder.stats().lastError).toMatch(/^SQLITE_READONLY/)
    recorder.close()
    // What could never be written is counted as lost on close.
    expect(recorder.stats()).toMatchObject({ pending: 0, lost: 1 })
  })

  it('never throws from recordCompared, even for a malformed exchange', () => {
    const recorder = new Recorder(openDatabase(path.join(tempDir(), 'a.db')), { flushIntervalMs: 0 })
    expect(() => recorder.recordCompared({} as never)).not.toThrow()
    expect(recorder.stats().lost).toBe(1)
    expect(recorder.stats().lastError).toMatch(/^recordCompared:/)
    recorder.close()
  })
})

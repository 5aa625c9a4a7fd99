/**
 * Schema version 3 adds per-second aggregates (issue 14). A version-2 file,
 * with minutes only, stays readable as it is (read-only) and after its
 * migration, and its windows widen to whole minutes only where it has no
 * second rows.
 */
import path from 'node:path'
import Sqlite from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { buildReport } from '../../src/report/build-report.js'
import { openDatabase } from '../../src/store/open-database.js'
import { Recorder } from '../../src/store/recorder.js'
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/schema.js'
import { exchange, tempDir } from './fixtures.js'

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0)
const MIN = 60_000

/** A version-2 file with 10 compared exchanges in minute 12:00 and 20 in 12:01, as an older shadowdiff wrote it. */
function versionTwoFile(): string {
  const file = path.join(tempDir(), 'v2.db')
  const db = new Sqlite(file)
  db.exec(MIGRATIONS[0])
  db.exec(MIGRATIONS[1])
  db.pragma('user_version = 2')
  const minute = T0 / MIN
  db.prepare('INSERT INTO counters (minute, method, route, served, compared) VALUES (?, ?, ?, ?, ?)').run(minute, 'GET', '/a', 10, 10)
  db.prepare('INSERT INTO counters (minute, method, route, served, compared) VALUES (?, ?, ?, ?, ?)').run(minute + 1, 'GET', '/a', 20, 20)
  db.close()
  return file
}

describe('schema version 3', () => {
  it('reads a version-2 file read-only, widening partial minutes', () => {
    const file = versionTwoFile()
    const r = buildReport([file], { since: T0 + 30_000 })
    expect(r.totals.compared).toBe(30)
    expect(r.window).toEqual({ since: new Date(T0).toISOString(), until: null, exact: false })
  })

  it('migrates version 2 in place: old minutes stay, new traffic is exact to the second', () => {
    const file = versionTwoFile()
    const now = T0 + 3 * MIN
    const recorder = new Recorder(openDatabase(file), { flushIntervalMs: 0, now: () => now })
    // Minute 12:02: one exchange per second from :00 to :09.
    for (let i = 0; i < 10; i++) {
      const at = T0 + 2 * MIN + i * 1000
      recorder.count(at, 'GET', '/a', 'served')
      recorder.recordCompared(exchange({ id: `n${i}`, at, route: '/a' }))
    }
    recorder.close()
    const ro = openDatabase(file, { readonly: true })
    expect(ro.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    // Seconds are complete from the minute after the last one version 2 recorded.
    expect(ro.prepare("SELECT value FROM meta WHERE key = 'seconds_from'").pluck().get()).toBe(String((T0 + 2 * MIN) / 1000))
    ro.close()
    expect(buildReport([file], {}).totals.compared).toBe(40)
    const recent = buildReport([file], { since: T0 + 2 * MIN + 4_000, until: T0 + 2 * MIN + 7_000 })
    expect(recent.totals.compared).toBe(3)
    expect(recent.window.exact).toBe(true)
    const old = buildReport([file], { since: T0 + 30_000, until: T0 + 2 * MIN + 5_000 })
    expect(old.totals.compared).toBe(10 + 20 + 5)
    expect(old.window).toEqual({ since: new Date(T0).toISOString(), until: new Date(T0 + 2 * MIN + 5_000).toISOString(), exact: false })
  })
})

import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { UsageError } from '../../src/errors.js'
import { buildReport } from '../../src/report/build-report.js'
import { openDatabase } from '../../src/store/open-database.js'
import { Recorder } from '../../src/store/recorder.js'
import { bodyDivergence, exchange, tempDir } from '../store/fixtures.js'

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0)
const MIN = 60_000

/**
 * Minute m (0..9) holds m+1 compared exchanges, at seconds 0..m of the
 * minute, the first of each divergent. `now` is the recorder's clock: the
 * per-second rows are kept for 6 hours after it (store.exactWindowHours).
 */
function tenMinutes(now = T0 + 10 * MIN) {
  const file = path.join(tempDir(), 'a.db')
  const recorder = new Recorder(openDatabase(file), { flushIntervalMs: 0, now: () => now })
  for (let m = 0; m < 10; m++) {
    for (let i = 0; i <= m; i++) {
      const at = T0 + m * MIN + i * 1000
      recorder.count(at, 'GET', '/a', 'served')
      recorder.recordCompared(exchange({ id: `m${m}-${i}`, at, route: '/a', divergences: i === 0 ? [bodyDivergence()] : [] }))
    }
  }
  recorder.recordEvent({ at: new Date(T0 + 5 * MIN).toISOString(), type: 'weight', actor: 'cli', cause: 'promote' })
  recorder.close()
  return file
}

describe('buildReport windows', () => {
  it('counts exactly the exchanges that started inside the window, to the second', () => {
    const file = tenMinutes()
    // 12:03:30 → 12:05:03: none of minute 3 (seconds 0–3), all 5 of minute 4, seconds 0–2 of minute 5.
    const r = buildReport([file], { since: T0 + 3.5 * MIN, until: T0 + 5 * MIN + 3_000 })
    expect(r.window).toEqual({ since: new Date(T0 + 3.5 * MIN).toISOString(), until: new Date(T0 + 5 * MIN + 3_000).toISOString(), exact: true })
    expect(r.totals).toMatchObject({ served: 5 + 3, compared: 8, divergent: 2 })
    expect(r.timeline.map((p) => [p.at, p.compared])).toEqual([
      [new Date(T0 + 4 * MIN).toISOString(), 5],
      [new Date(T0 + 5 * MIN).toISOString(), 3],
    ])
    expect(r.endpoints[0].examples.map((e) => e.id)).toEqual(['m5-0', 'm4-0'])
    expect(r.events.map((e) => e.type)).toEqual(['weight'])
    expect(r.verdict.samples).toBe(8)
    expect(r.verdict.window).toEqual(r.window)
    expect(r.verdict.counts).toMatchObject({ served: 8, compared: 8, divergent: 2 })
    // A window inside one minute, and one of a single second.
    expect(buildReport([file], { since: T0 + 9 * MIN + 2_000, until: T0 + 9 * MIN + 5_000 }).totals.compared).toBe(3)
    expect(buildReport([file], { since: T0 + 9 * MIN + 2_500, until: T0 + 9 * MIN + 2_600 }).totals.compared).toBe(1)
  })

  it('widens an edge older than the per-second rows to its whole minute, and says so', () => {
    // Recorded a day ago: the second rows are gone (pruned past exactWindowHours), the minutes stay.
    const file = tenMinutes(T0 + 24 * 60 * MIN)
    const r = buildReport([file], { since: T0 + 3.5 * MIN, until: T0 + 5 * MIN + 3_000 })
    expect(r.window).toEqual({ since: new Date(T0 + 3 * MIN).toISOString(), until: new Date(T0 + 6 * MIN).toISOString(), exact: false })
    expect(r.totals).toMatchObject({ served: 4 + 5 + 6, compared: 15, divergent: 3 })
    // Whole minutes are still exact.
    expect(buildReport([file], { since: T0 + 3 * MIN, until: T0 + 5 * MIN }).window.exact).toBe(true)
  })

  it('reads everything without a window and reports null bounds', () => {
    const r = buildReport([tenMinutes()], {})
    expect(r.window).toEqual({ since: null, until: null, exact: true })
    expect(r.totals.compared).toBe(55)
    expect(buildReport([tenMinutes()], { since: T0 + 9 * MIN }).totals.compared).toBe(10)
  })

  it('rejects an empty or inverted window and bad options with a clear message', () => {
    const file = tenMinutes()
    expect(() => buildReport([file], { since: T0 + MIN, until: T0 })).toThrow(UsageError)
    expect(() => buildReport([file], { since: T0 + MIN, until: T0 })).toThrow(/until \(2025-01-01T12:00:00.000Z\) must be after since/)
    expect(() => buildReport([file], { since: Number.NaN })).toThrow(/since must be a time in epoch milliseconds, got NaN/)
    expect(() => buildReport([file], { examplesPerEndpoint: -2 })).toThrow(/examplesPerEndpoint must be a non-negative integer, got -2/)
    expect(() => buildReport([], {})).toThrow(/no database given/)
  })
})

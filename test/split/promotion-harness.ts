/**
 * Builds a promotion on an in-memory (or given) SQLite database, a fresh
 * traffic state, a scripted gate and a manual clock.
 */
import Database from 'better-sqlite3'
import { onTestFinished } from 'vitest'
import type { AuditEvent } from '../../src/split/audit-event.js'
import { Promotion } from '../../src/split/promotion.js'
import type { GateVerdict } from '../../src/split/promotion.js'
import { TrafficMode } from '../../src/split/traffic-mode.js'
import { FakeScheduler } from './fake-scheduler.js'

export const MINUTE = 60_000

export interface Harness {
  db: Database.Database
  clock: FakeScheduler
  traffic: TrafficMode
  promotion: Promotion
  /** Every `sinceMs` the gate was asked about. */
  gateCalls: number[]
  /** The thresholds passed with each gate call. */
  gateThresholds: unknown[]
  /** Traffic and promotion audit events, in order. */
  events: AuditEvent[]
  /** Advances the clock and waits for the gate evaluations it triggered. */
  advance(ms: number): Promise<void>
}

export function harness(
  options: {
    db?: Database.Database
    clock?: FakeScheduler
    verdicts?: (call: number) => GateVerdict | Promise<GateVerdict>
    /** False: plans keep their own evaluateEveryMs (default 5 s) instead of one evaluation per interval. */
    evaluateEveryInterval?: boolean
  } = {},
): Harness {
  const db = options.db ?? new Database(':memory:')
  if (!options.db) onTestFinished(() => void db.close())
  const clock = options.clock ?? new FakeScheduler()
  const traffic = new TrafficMode({}, { now: clock.now })
  const events: AuditEvent[] = []
  traffic.subscribe((e) => events.push(e))
  const gateCalls: number[] = []
  const gateThresholds: unknown[] = []
  const verdicts = options.verdicts ?? (() => ({ ok: true, reasons: [] }))
  const promotion = new Promotion({
    db,
    traffic,
    scheduler: clock,
    onEvent: (e) => events.push(e),
    evaluate: async (since, thresholds) => {
      gateCalls.push(since)
      gateThresholds.push(thresholds)
      return verdicts(gateCalls.length)
    },
  })
  onTestFinished(() => promotion.close())
  if (options.evaluateEveryInterval !== false) {
    // These unit tests were written for one evaluation at the end of each interval: keep that
    // unless a test asks for the evaluations during a step (evaluateEveryMs, issue 14).
    const start = promotion.start.bind(promotion)
    promotion.start = (input, actor, opts) => start({ evaluateEveryMs: input.intervalMs, ...input }, actor, opts)
  }
  return {
    db,
    clock,
    traffic,
    promotion,
    gateCalls,
    gateThresholds,
    events,
    async advance(ms) {
      // One timer at a time, awaiting the evaluation it started: a step's next evaluation is armed
      // only once the previous one answered, and may fall due within the same advance.
      const target = clock.time + ms
      while (clock.fireNext(target)) await promotion.settled()
      clock.time = target
      await promotion.settled()
    },
  }
}

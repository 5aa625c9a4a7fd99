/**
 * Automatic rollback: watches the candidate's outcomes on real traffic and
 * trips once when its failure rate over a sliding window passes a threshold.
 *
 * The window is a ring of fixed time buckets (1 s by default) with running
 * totals, so memory is O(window / bucket) and `record` is amortised O(1):
 * buckets that fall out of the window are subtracted as the clock moves on.
 */
import { ConfigInvalid } from '../errors.js'
import type { TrafficMode } from './traffic-mode.js'

export interface RollbackMonitorOptions {
  /** Length of the sliding window. Default 30 s. */
  windowMs?: number
  /** Bucket width; the window moves in these steps. Default min(1 s, window / 10). */
  bucketMs?: number
  /** Trip when failures / total × 100 is strictly above this. Default 5 (%). */
  maxFailurePercent?: number
  /** Never trip on fewer samples than this in the window. Default 20. */
  minRequests?: number
  /** Clock used when `record` is called without `now`. */
  now?: () => number
  /** Called once per trip with a sentence fit for the audit log. */
  onTrip: (reason: string, stats: WindowStats) => void
}

export const ROLLBACK_DEFAULTS = Object.freeze({ windowMs: 30_000, maxFailurePercent: 5, minRequests: 20 })

export interface WindowStats {
  total: number
  failures: number
  /** failures / total × 100, 0 when total is 0. */
  failurePercent: number
}

/**
 * @example
 *   const monitor = new RollbackMonitor({ onTrip: (reason) => traffic.rollback('rollback-monitor', reason) })
 *   monitor.record(res.statusCode < 500)   // for every request the candidate served
 */
export class RollbackMonitor {
  readonly windowMs: number
  readonly bucketMs: number
  readonly maxFailurePercent: number
  readonly minRequests: number
  #now: () => number
  #onTrip: RollbackMonitorOptions['onTrip']
  // Ring of buckets: bucket b (= floor(time / bucketMs)) lives in slot b % slots.
  #total: Uint32Array
  #failures: Uint32Array
  #sumTotal = 0
  #sumFailures = 0
  #current = -Infinity
  #tripped = false

  constructor(options: RollbackMonitorOptions) {
    this.windowMs = options.windowMs ?? ROLLBACK_DEFAULTS.windowMs
    this.bucketMs = options.bucketMs ?? Math.max(1, Math.min(1000, Math.floor(this.windowMs / 10)))
    this.maxFailurePercent = options.maxFailurePercent ?? ROLLBACK_DEFAULTS.maxFailurePercent
    this.minRequests = options.minRequests ?? ROLLBACK_DEFAULTS.minRequests
    checkOptions(this)
    this.#now = options.now ?? Date.now
    this.#onTrip = options.onTrip
    const slots = Math.ceil(this.windowMs / this.bucketMs)
    this.#total = new Uint32Array(slots)
    this.#failures = new Uint32Array(slots)
  }

  /** True once tripped, until `reset()`. */
  get tripped(): boolean {
    return this.#tripped
  }

  /**
   * Records one request the candidate served: `ok` false for a 5xx, a
   * timeout or a transport error. Trips at most once until `reset()`.
   */
  record(ok: boolean, now: number = this.#now()): void {
    const slot = this.#advance(now)
    this.#total[slot]++
    this.#sumTotal++
    if (!ok) {
      this.#failures[slot]++
      this.#sumFailures++
    }
    if (this.#tripped || this.#sumTotal < this.minRequests) return
    const percent = (this.#sumFailures / this.#sumTotal) * 100
    if (percent > this.maxFailurePercent) {
      this.#tripped = true
      const stats = { total: this.#sumTotal, failures: this.#sumFailures, failurePercent: percent }
      this.#onTrip(
        `candidate 5xx/timeout rate ${fmt(percent)}% (${stats.failures}/${stats.total}) ` +
          `over ${fmtDuration(this.windowMs)} > ${fmt(this.maxFailurePercent)}%`,
        stats,
      )
    }
  }

  /** The window's totals as of `now`. */
  stats(now: number = this.#now()): WindowStats {
    this.#advance(now)
    const total = this.#sumTotal
    const failures = this.#sumFailures
    return { total, failures, failurePercent: total === 0 ? 0 : (failures / total) * 100 }
  }

  /** Empties the window and re-arms the trip (call when the candidate starts serving again). */
  reset(): void {
    this.#total.fill(0)
    this.#failures.fill(0)
    this.#sumTotal = 0
    this.#sumFailures = 0
    this.#current = -Infinity
    this.#tripped = false
  }

  /** Moves the window to `now`'s bucket, dropping buckets that left it; returns its slot. */
  #advance(now: number): number {
    // A clock that steps back (NTP) counts into the newest bucket rather than resurrecting old ones.
    const bucket = Math.max(Math.floor(now / this.bucketMs), this.#current)
    const slots = this.#total.length
    if (bucket !== this.#current) {
      // Clear every slot between the last bucket and this one (at most one lap).
      const from = Math.max(this.#current + 1, bucket - slots + 1)
      for (let b = from; b <= bucket; b++) {
        const slot = ((b % slots) + slots) % slots // times before the epoch give negative buckets
        this.#sumTotal -= this.#total[slot]
        this.#sumFailures -= this.#failures[slot]
        this.#total[slot] = 0
        this.#failures[slot] = 0
      }
      this.#current = bucket
    }
    return ((bucket % slots) + slots) % slots
  }
}

/**
 * Wires a monitor to the traffic state: a trip rolls traffic back to shadow
 * (actor `rollback-monitor`), and the window is emptied whenever the
 * candidate starts serving again after shadow, so failures from an earlier
 * attempt never count against a new one. A trip while already in shadow
 * (only testers pinned to the candidate) changes nothing. `rollback`
 * replaces the local rollback: a fleet sends it through the shared state.
 */
export function guardTraffic(
  traffic: TrafficMode,
  options: Omit<RollbackMonitorOptions, 'onTrip'>,
  rollback: (reason: string) => void = (reason) => traffic.rollback('rollback-monitor', reason),
): RollbackMonitor {
  const monitor = new RollbackMonitor({
    ...options,
    onTrip: (reason) => {
      if (traffic.state.mode !== 'shadow') rollback(reason)
    },
  })
  traffic.subscribe((event) => {
    if (event.type !== 'promotion' && event.data.from.mode === 'shadow' && event.data.to.mode !== 'shadow') {
      monitor.reset()
    }
  })
  return monitor
}

function checkOptions(o: RollbackMonitor): void {
  const problems: string[] = []
  if (!(Number.isFinite(o.windowMs) && o.windowMs > 0)) problems.push(`rollback window must be a positive duration, got ${o.windowMs} ms`)
  if (!(Number.isFinite(o.bucketMs) && o.bucketMs > 0 && o.bucketMs <= o.windowMs)) {
    problems.push(`rollback bucket must be a positive duration no longer than the window, got ${o.bucketMs} ms`)
  }
  if (!(Number.isFinite(o.maxFailurePercent) && o.maxFailurePercent >= 0 && o.maxFailurePercent < 100)) {
    problems.push(`rollback max failure rate must be a percentage from 0 to below 100, got ${o.maxFailurePercent}`)
  }
  if (!(Number.isInteger(o.minRequests) && o.minRequests >= 1)) {
    problems.push(`rollback min requests must be an integer ≥ 1, got ${o.minRequests}`)
  }
  if (problems.length > 0) throw new ConfigInvalid(problems.join('; '))
}

function fmt(n: number): string {
  return String(Math.round(n * 10) / 10)
}

function fmtDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`
  if (ms % 60_000 === 0) return `${ms / 60_000}m`
  if (ms % 1000 === 0) return `${ms / 1000}s`
  return `${ms}ms`
}

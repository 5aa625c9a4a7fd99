/**
 * The split stage as the proxy uses it: one object built at startup from the
 * validated options, asked once per request which side serves, and told how
 * each candidate-served request went.
 */
import type { HeaderMap, SideResult } from '../types.js'
import type { Route, TrafficState } from './audit-event.js'
import { guardTraffic } from './rollback-monitor.js'
import type { RollbackMonitor } from './rollback-monitor.js'
import type { SplitOptions } from './split-options.js'
import { chooseSide, keyExtractor, readOverride, SplitSampler } from './sticky-router.js'
import type { TrafficMode } from './traffic-mode.js'

/** What `route()` decided for one request. */
export interface RouteDecision {
  /** The side that serves the client. */
  side: Route
  /** The state the decision was made on: use it for the rest of the request (mirror, reverse shadow). */
  state: TrafficState
  /** The sticky key, when the request carried one. */
  key: string | undefined
  /** True when the tester override header pinned the side. */
  pinned: boolean
}

/**
 * @example
 *   const router = new SplitRouter(traffic, validateSplitOptions(flags))
 *   // per request
 *   const { side, state } = router.route(req.headers)
 *   … serve from `side`; if side === 'candidate': router.recordCandidate(result)
 *   if (router.servedByHeader) reply.header(router.servedByHeader, side)
 */
export class SplitRouter {
  readonly traffic: TrafficMode
  /** Watches candidate-served requests and rolls traffic back to shadow when they fail too often. */
  readonly monitor: RollbackMonitor
  /** Response header naming the serving side, or undefined when turned off. */
  readonly servedByHeader: string | undefined
  /** Request header testers use to pin a side, or undefined when off. */
  readonly routeOverrideHeader: string | undefined
  #keyOf: (headers: HeaderMap) => string | undefined
  #sampler = new SplitSampler()

  /** `hooks.rollback` replaces the automatic rollback's local one (a fleet writes it to the shared state). */
  constructor(traffic: TrafficMode, options: SplitOptions, hooks: { now?: () => number; rollback?: (reason: string) => void } = {}) {
    this.traffic = traffic
    this.monitor = guardTraffic(traffic, { ...options.rollback, now: hooks.now }, hooks.rollback)
    this.servedByHeader = options.servedByHeader
    this.routeOverrideHeader = options.routeOverrideHeader
    this.#keyOf = keyExtractor(options.stickyKey)
  }

  /** Decides which side serves this request. Reads the traffic state once. */
  route(headers: HeaderMap): RouteDecision {
    const state = this.traffic.state
    const override = readOverride(headers, this.routeOverrideHeader)
    const key = this.#keyOf(headers)
    return { side: chooseSide(state, key, override, this.#sampler), state, key, pinned: override !== undefined }
  }

  /** Records how a request served by the candidate went (5xx and transport errors are failures). */
  recordCandidate(result: SideResult | boolean, now?: number): void {
    this.monitor.record(typeof result === 'boolean' ? result : !isFailure(result), now)
  }
}

/** A failure for the rollback monitor: no response (refused, reset, timeout) or a 5xx. */
export function isFailure(result: SideResult): boolean {
  return !result.ok || result.status >= 500
}

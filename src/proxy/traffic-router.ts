/**
 * Decides, per request, which side serves the client and which sides are
 * called in the background. Shadow mode is the default; the split stage
 * (src/split) provides a router for weighted and candidate modes.
 */
import type { IncomingMessage } from 'node:http'
import type { Side } from '../types.js'
import type { NotMirroredReason } from '../stats.js'
import type { ServingSide } from './served-response.js'

export interface TrafficDecision {
  serve: ServingSide
  /** Sides called in the background; the first is the one compared against. */
  mirror: readonly Side[]
  /** Why nothing is mirrored, when `mirror` is empty: the request is counted notMirrored with it. */
  notMirrored?: NotMirroredReason
}

export interface TrafficRouter {
  decide(req: IncomingMessage): TrafficDecision
}

/** Primary serves everyone; the candidate (and secondary) are mirrored. */
export function shadowRouter(withSecondary: boolean): TrafficRouter {
  const decision: TrafficDecision = Object.freeze({
    serve: 'primary' as const,
    mirror: Object.freeze(withSecondary ? (['candidate', 'secondary'] as const) : (['candidate'] as const)),
  })
  return { decide: () => decision }
}

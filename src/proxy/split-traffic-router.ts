/**
 * Adapts the split stage's SplitRouter (who serves this user?) to the
 * proxy's TrafficRouter (who serves, and who is called in the background?).
 * Decisions are frozen constants: the hot path allocates nothing here.
 */
import type { IncomingMessage } from 'node:http'
import type { Side } from '../types.js'
import type { SplitRouter } from '../split/split-router.js'
import type { TrafficDecision, TrafficRouter } from './traffic-router.js'
import type { NotMirroredReason } from '../stats.js'

const decision = (serve: 'primary' | 'candidate', mirror: Side[], notMirrored?: NotMirroredReason): TrafficDecision =>
  Object.freeze({ serve, mirror: Object.freeze(mirror), ...(notMirrored && { notMirrored }) })

export function splitTrafficRouter(split: SplitRouter, withSecondary: boolean): TrafficRouter {
  const shadow = decision('primary', withSecondary ? ['candidate', 'secondary'] : ['candidate'])
  // Without reverse shadow the split compares nothing: say so in the accounting.
  const primaryOnly = decision('primary', [], 'split-no-shadow')
  const candidateOnly = decision('candidate', [], 'split-no-shadow')
  const pinnedOnly = decision('candidate', [], 'pinned')
  // Reverse shadow: the side that did not serve is called and compared, so
  // divergences keep being recorded while users move, and the primary stays
  // warm as the rollback target.
  const candidateWithPrimary = decision('candidate', ['primary'])
  return {
    decide(req: IncomingMessage): TrafficDecision {
      const { side, state } = split.route(req.headers)
      if (state.mode === 'shadow' && side === 'primary') return shadow
      if (side === 'primary') return state.reverseShadow ? shadow : primaryOnly
      if (state.reverseShadow) return candidateWithPrimary
      return state.mode === 'shadow' ? pinnedOnly : candidateOnly
    },
  }
}

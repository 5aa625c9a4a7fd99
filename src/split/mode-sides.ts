/**
 * Which side serves and which is compared in a traffic state, said plainly
 * for `/api/status` and the report, so a mode where nothing is compared is
 * visible rather than silent (issue 14).
 */
import type { TrafficState } from './audit-event.js'

export interface ModeSides {
  /** Share of users each side serves, in %. */
  serves: { primary: number; candidate: number }
  /** For requests served by a side: the side called in the background and compared against it, or null when none is. */
  mirrored: { primary: 'candidate' | null; candidate: 'primary' | null }
  /** False when no served request is compared at all. */
  comparing: boolean
  /** One sentence for people. */
  text: string
}

/**
 * @example
 *   modeSides({ mode: 'split', weight: 5, reverseShadow: true }).text
 *   // 'primary serves 95%, candidate 5%; primary-served requests are compared with the candidate, candidate-served ones with the primary'
 */
export function modeSides(state: TrafficState): ModeSides {
  const candidate = state.mode === 'shadow' ? 0 : state.mode === 'candidate' ? 100 : state.weight
  const primary = Math.round((100 - candidate) * 100) / 100
  // The split router (src/proxy/split-traffic-router.ts): shadow always mirrors the primary's
  // requests to the candidate; the split and candidate modes compare only with reverse shadow on.
  const mirrored = {
    primary: state.mode === 'shadow' || state.reverseShadow ? ('candidate' as const) : null,
    candidate: state.reverseShadow ? ('primary' as const) : null,
  }
  const who = candidate === 0 ? 'primary serves 100%' : primary === 0 ? 'candidate serves 100%' : `primary serves ${primary}%, candidate ${candidate}%`
  const parts: string[] = []
  if (primary > 0) parts.push(mirrored.primary ? 'primary-served requests are compared with the candidate' : 'primary-served requests are NOT compared')
  if (candidate > 0) parts.push(mirrored.candidate ? 'candidate-served requests are compared with the primary' : 'candidate-served requests are NOT compared (reverse shadow off)')
  const comparing = (primary > 0 && mirrored.primary !== null) || (candidate > 0 && mirrored.candidate !== null)
  return { serves: { primary, candidate }, mirrored, comparing, text: `${who}; ${parts.join(', ')}` }
}

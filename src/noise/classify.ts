/**
 * Is ONE candidate difference shaped like the noise seen at that field?
 * Value-aware: noise at a field explains a difference of the same kind only.
 *
 * - no evidence at all (this exchange's secondary agreed with the primary
 *   there, and nothing was ever learned there): not noise;
 * - order only (`move`), a member that comes or goes (`add`/`remove`):
 *   noise when the same was seen at that field;
 * - numbers: noise when within k × the largest primary-vs-secondary
 *   difference seen there (k = magnitudeFactor); while fewer than
 *   magnitudeSamples differences were learned, this exchange's own
 *   secondary differing there is accepted instead, provisionally: the bound
 *   is unknown yet, so awaitsBound() tells the compare stage to judge the
 *   exchange again once it is learned (a jump in the first exchanges of a
 *   route is not hidden for good by a lucky first jitter);
 * - anything else: noise when the format is kept (a UUID for a UUID, an ISO
 *   time for an ISO time) and noise there had that format, or when both
 *   formats were seen in the noise (a field that is sometimes null).
 */
import type { NoiseOptions } from './noise-options.js'
import type { FieldNoise, Observation } from './noise-profile.js'
import { formatOf } from './value-format.js'

/** What is known about the noise at one (field, op). */
export interface Evidence {
  /** This exchange: primary and secondary differed here. */
  inExchange?: Observation
  /** Learned from earlier exchanges. */
  learned?: FieldNoise
}

/** True when the evidence exists at all. */
export function hasEvidence(ev: Evidence): boolean {
  return ev.inExchange !== undefined || (ev.learned !== undefined && ev.learned.observed > 0)
}

/**
 * True when the candidate's difference `a` → `b` (primary → candidate) with
 * this op is explained by the noise evidence. Header values and statuses are
 * passed as strings (`undefined`: absent).
 */
export function isNoiseShaped(op: string, a: unknown, b: unknown, ev: Evidence, opts: Pick<NoiseOptions, 'magnitudeFactor' | 'magnitudeSamples'>): boolean {
  if (!hasEvidence(ev)) return false
  const { inExchange: inEx, learned } = ev
  if (op === 'move' || op === 'add' || op === 'remove') return true
  if (typeof a === 'number' && typeof b === 'number') {
    const learnedNumeric = learned?.numeric ?? 0
    const exchangeNumeric = inEx !== undefined && inEx.numeric
    if (!exchangeNumeric && learnedNumeric === 0) return false
    if (exchangeNumeric && learnedNumeric < opts.magnitudeSamples) return true
    const bound = Math.max(learned?.maxMagnitude ?? 0, exchangeNumeric ? inEx.magnitude : 0)
    return Math.abs(a - b) <= opts.magnitudeFactor * bound
  }
  const fa = formatOf(a)
  const fb = formatOf(b)
  const known = (f: string) => (inEx?.formats.has(f) ?? false) || (learned?.formats.has(f) ?? false)
  if (fa === fb) return known(fa) || (learned?.formatsOverflow ?? false)
  return known(fa) && known(fb)
}

/**
 * True when isNoiseShaped() accepted this numeric difference only because the
 * field's bound is not learned yet: it lies beyond k × every magnitude known
 * so far. Such an exchange is judged again when the bound is known.
 */
export function awaitsBound(a: unknown, b: unknown, ev: Evidence, opts: Pick<NoiseOptions, 'magnitudeFactor' | 'magnitudeSamples'>): boolean {
  if (typeof a !== 'number' || typeof b !== 'number') return false
  const inEx = ev.inExchange
  if (inEx === undefined || !inEx.numeric || (ev.learned?.numeric ?? 0) >= opts.magnitudeSamples) return false
  const bound = Math.max(ev.learned?.maxMagnitude ?? 0, inEx.magnitude)
  return Math.abs(a - b) > opts.magnitudeFactor * bound
}

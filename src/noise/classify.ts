/**
 * The verdict on ONE candidate difference: is it shaped like the noise seen
 * at that field, is it a divergence, or can this exchange not tell yet?
 * Value-aware: noise at a field explains a difference of the same kind only.
 *
 * - order only (`move`), a member that comes or goes (`add`/`remove`):
 *   noise when the same was seen at that field;
 * - numbers: noise within k × the largest primary-vs-secondary difference
 *   seen there, THIS exchange's included (k = magnitudeFactor). Beyond it, a
 *   divergence once that bound is learned (magnitudeSamples differences).
 *   Before, the exchange's own secondary already says how much the number
 *   jitters: beyond decisiveFactor × that (and × anything learned) it is a
 *   divergence at once (a 0.01 jump where the secondary moved by 1e-9);
 *   between the two the exchange cannot decide, and waits for the bound;
 * - anything else: noise when the format is kept (a UUID for a UUID, an ISO
 *   time for an ISO time) and noise there had that format, or when both
 *   formats were seen in the noise (a field that is sometimes null);
 * - no evidence at all (this exchange's secondary agreed with the primary
 *   there, and nothing was learned there): a divergence, except, while the
 *   route has fewer than coldSamples secondary answers, for the two kinds a
 *   secondary may happen not to show in one answer: an order-only change,
 *   and a fresh value of a random-looking format (UUID, time, token …).
 *   Those wait until the route's secondary has answered often enough.
 *
 * What waits is held by the compare stage and judged again (held-exchanges.ts);
 * released without a decision, it is recorded as `undecided`, never equal.
 */
import type { NoiseOptions } from './noise-options.js'
import type { FieldNoise, Observation } from './noise-profile.js'
import { formatOf, isRandomFormat } from './value-format.js'

/** What is known about the noise at one (field, op). */
export interface Evidence {
  /** This exchange: primary and secondary differed here. */
  inExchange?: Observation
  /** Learned from earlier exchanges. */
  learned?: FieldNoise
  /**
   * Secondary answers on the route so far, this exchange's included, when
   * more may come (a secondary is configured); undefined when none will.
   */
  routeSamples?: number
}

/**
 * `bound`: a number's jitter bound is not learned yet; `cold`: the route has
 * too few secondary answers to rule noise out.
 */
export type Wait = 'bound' | 'cold'

export type Verdict = 'noise' | 'divergent' | Wait

type Options = Pick<NoiseOptions, 'magnitudeFactor' | 'magnitudeSamples' | 'decisiveFactor' | 'coldSamples'>

/** True when the evidence exists at all. */
export function hasEvidence(ev: Evidence): boolean {
  return ev.inExchange !== undefined || (ev.learned !== undefined && ev.learned.observed > 0)
}

/**
 * The verdict on the candidate's difference `a` → `b` (primary → candidate)
 * with this op. Header values and statuses are passed as strings
 * (`undefined`: absent).
 *
 * @example
 *   judge('replace', 1.5, 1.51, { inExchange: { numeric: true, magnitude: 1e-9, … } }, opts) // 'divergent'
 */
export function judge(op: string, a: unknown, b: unknown, ev: Evidence, opts: Options): Verdict {
  if (!hasEvidence(ev)) return coldWait(op, a, b, ev, opts) ? 'cold' : 'divergent'
  const { inExchange: inEx, learned } = ev
  if (op === 'move' || op === 'add' || op === 'remove') return 'noise'
  if (typeof a === 'number' && typeof b === 'number') return judgeNumber(Math.abs(a - b), ev, opts)
  const fa = formatOf(a)
  const fb = formatOf(b)
  const known = (f: string) => (inEx?.formats.has(f) ?? false) || (learned?.formats.has(f) ?? false)
  if (fa === fb) return known(fa) || (learned?.formatsOverflow ?? false) ? 'noise' : 'divergent'
  return known(fa) && known(fb) ? 'noise' : 'divergent'
}

function judgeNumber(d: number, ev: Evidence, opts: Options): Verdict {
  const { inExchange: inEx, learned } = ev
  const learnedNumeric = learned?.numeric ?? 0
  const exchangeNumeric = inEx !== undefined && inEx.numeric
  if (!exchangeNumeric && learnedNumeric === 0) return 'divergent'
  const bound = Math.max(learned?.maxMagnitude ?? 0, exchangeNumeric ? inEx.magnitude : 0)
  if (d <= opts.magnitudeFactor * bound) return 'noise'
  if (learnedNumeric >= opts.magnitudeSamples) return 'divergent'
  // Orders of magnitude beyond every jitter seen: no bound learned later would explain it.
  if (d > opts.decisiveFactor * bound) return 'divergent'
  return 'bound'
}

/** No evidence yet: is this a kind of difference a secondary may not have shown so far? */
function coldWait(op: string, a: unknown, b: unknown, ev: Evidence, opts: Options): boolean {
  if (ev.routeSamples === undefined || ev.routeSamples >= opts.coldSamples) return false
  if (op === 'move') return true
  if (op !== 'replace' && op !== 'header') return false
  const fa = formatOf(a)
  return fa === formatOf(b) && isRandomFormat(fa)
}

/**
 * The noise verdict as a yes/no, for callers that cannot wait (rules
 * explain, tests): a difference that would wait counts as not noise.
 */
export function isNoiseShaped(op: string, a: unknown, b: unknown, ev: Evidence, opts: Options): boolean {
  return judge(op, a, b, ev, opts) === 'noise'
}

/**
 * Does a recorded difference look DETERMINISTIC: a change the candidate
 * makes on purpose or by mistake, not noise? Noise is fresh every time (a
 * new id, a clock that ticked, a float that jitters); a regression repeats.
 * `rules suggest` never proposes to ignore, tolerate or reorder such a
 * difference; it lists it as a likely regression, with this evidence:
 *
 * - the same change for the same request on every repeat (GET /products/0:
 *   10.99 → 11.04, twice), and never a fresh one;
 * - one and the same change in every exchange it differed (3 or more);
 * - numbers: a constant delta (+0.05 every time, to floating-point
 *   rounding), in 3 or more exchanges;
 * - a change confined to a subset of requests: among requests recorded more
 *   than once, it differed on every repeat of some and on none of others;
 * - time values (ISO, HTTP dates) further apart than two clocks answering
 *   the same request are (a minute).
 */
import type { ArrayStats, FieldStats, HeaderStats, KeyChanges, RouteAcc } from './suggest-evidence.js'
import { MAX_CLOCK_SECONDS, show } from './suggest-evidence.js'

/** Why a body field's difference looks deterministic, or undefined when it looks like noise. */
export function fieldLooksDeterministic(f: FieldStats, acc: RouteAcc): string | undefined {
  const why: string[] = []
  const repeat = sameOnRepeat(f.byKey)
  if (repeat) why.push(repeat)
  if (f.n >= 3 && f.changes.size === 1) why.push(`the same change every time it differed (${change(f.example)})`)
  const delta = constantDelta(f)
  if (delta) why.push(delta)
  const subset = confinedToSubset(f.byKey, acc)
  if (subset) why.push(subset)
  if (f.maxSeconds > MAX_CLOCK_SECONDS) why.push(`the two times are up to ${Math.round(f.maxSeconds)} s apart, more than two clocks answering one request (${MAX_CLOCK_SECONDS} s)`)
  return why.length > 0 ? why.join('; ') : undefined
}

/** Why an array's reordering looks deterministic (the same order on every repeat of a request). */
export function orderLooksDeterministic(s: ArrayStats): string | undefined {
  return sameOnRepeat(s.byKey, 'the same order')
}

/** Why a header's difference looks deterministic: the same change every time it differed. */
export function headerLooksDeterministic(h: HeaderStats): string | undefined {
  if (h.differs >= 3 && h.changes.size === 1) {
    return `the same change every time it differed (${change(h.example)})`
  }
  return undefined
}

/** Keys recorded with this field differing at least twice: all with one change, none fresh. */
function sameOnRepeat(byKey: ReadonlyMap<string, KeyChanges>, what = 'the same change'): string | undefined {
  const repeated = [...byKey].filter(([, k]) => k.n >= 2)
  if (repeated.length === 0 || repeated.some(([, k]) => k.changes.size > 1)) return undefined
  const [key, k] = repeated[0]
  const more = repeated.length > 1 ? ` (and ${repeated.length - 1} more request${repeated.length === 2 ? '' : 's'} likewise)` : ''
  return `${what} on every repeat of the same request: ${key} ${k.n} times ${change(k.example)}${more}`
}

/** Every numeric difference the same signed delta, to floating-point rounding. */
function constantDelta(f: FieldStats): string | undefined {
  if (f.signed.length < 3 || f.signed.length < 0.8 * f.n) return undefined
  const scale = Math.max(...f.magnitudes, 1e-300)
  const d0 = f.signed[0]
  if (d0 === 0 || !f.signed.every((d) => Math.abs(d - d0) <= 1e-12 * scale)) return undefined
  return `a constant delta: ${d0 > 0 ? '+' : ''}${Number(d0.toPrecision(6))} in all ${f.signed.length} numeric differences`
}

/** Among requests recorded twice or more, the field differed on every repeat of some and on none of others. */
function confinedToSubset(byKey: ReadonlyMap<string, KeyChanges>, acc: RouteAcc): string | undefined {
  let always: string[] = []
  let never = 0
  for (const [key, total] of acc.keys) {
    if (total < 2) continue
    const differed = byKey.get(key)?.n ?? 0
    if (differed === total) always.push(key)
    else if (differed === 0) never++
    else return undefined
  }
  if (always.length === 0 || never === 0 || always.length + never < 3) return undefined
  const shown = always.slice(0, 4).join(', ')
  always = always.slice(4)
  return `confined to a subset of requests: on every repeat of ${shown}${always.length > 0 ? ` and ${always.length} more` : ''}, never on ${never} other${never === 1 ? '' : 's'} recorded as often`
}

function change(pair: readonly [unknown, unknown] | undefined): string {
  return pair === undefined ? '' : `${show(pair[0])} → ${show(pair[1])}`
}

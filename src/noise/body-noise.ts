/**
 * JSON body noise: learn what differs between primary and secondary, and
 * cancel, per difference, what of the candidate's body that explains.
 *
 * Cancelling works on a private copy of the candidate document: each
 * difference classed as noise is reverted to the primary's value there, and
 * arrays whose noise is order-only are compared as multisets. The JSON
 * Patch of what remains is then computed by the ordinary diff
 * (src/diff/json-diff.ts), so what is reported keeps its usual meaning
 * (valid against the primary) with the noise taken out.
 */
import type { CapturedResponse, Operation } from '../types.js'
import type { ComparePolicy } from '../diff/policy.js'
import { automatonFor } from '../diff/pointer-automaton.js'
import { diffJson } from '../diff/json-diff.js'
import { foldPointer } from '../store/divergence-fields.js'
import { withUnordered } from './augmented-policy.js'
import { walkJson } from './json-walk.js'
import type { Json, JsonObject, ValueDiff } from './json-walk.js'
import { fieldKey, observe } from './noise-profile.js'
import type { Observations } from './noise-profile.js'
import { formatOf } from './value-format.js'

/** A parsed body, or NOT_JSON. */
export const NOT_JSON = Symbol('not json')
export type Parsed = Json | typeof NOT_JSON

/** Parses a complete JSON body; NOT_JSON for truncated, non-JSON or empty bodies. */
export function parseBody(r: CapturedResponse): Parsed {
  if (!r.complete || r.body.length === 0) return NOT_JSON
  const first = firstNonBlank(r.body)
  // Only objects and arrays: a bare string or number body is compared as text.
  if (first !== 0x7b && first !== 0x5b) return NOT_JSON
  try {
    return JSON.parse(r.body.toString('utf8')) as Json
  } catch {
    return NOT_JSON
  }
}

function firstNonBlank(body: Buffer): number {
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]
    if (ch !== 0x20 && ch !== 0x0a && ch !== 0x0d && ch !== 0x09) return ch
  }
  return -1
}

/** Adds every primary-vs-secondary body difference to `obs`; false when the documents are too different to learn from. */
export function observeBody(primary: Json, secondary: Json, policy: ComparePolicy, obs: Observations): boolean {
  const diffs = walkJson(primary, secondary, automatonFor(policy).root)
  if (diffs === null) return false
  for (const d of diffs) observe(obs, foldPointer(d.path), d.op, formatOf(d.a), formatOf(d.b), d.a, d.b)
  return true
}

/** The outcome of cancelling body noise. */
export interface BodyCancel {
  /** What remains of the difference (empty: nothing). */
  ops: Operation[]
  /** The differences classed as noise, one op each (for counting per field). */
  noise: Operation[]
  /** The differences that wait for more evidence: taken out of `ops` like noise, but not noise. */
  held: ValueDiff[]
}

/** What to do with one difference: keep it (a divergence), cancel it as noise, or take it out and hold it. */
export type BodyVerdict = 'keep' | 'noise' | 'hold'

/**
 * Classifies every difference between `primary` and `candidate` (which is
 * MODIFIED: pass a fresh parse) with `isNoise(key, diff)`, reverts the noise
 * and diffs again, comparing the arrays in `orderOnly` (folded pointers
 * whose noise is order only) as multisets: a shuffled list that also lost
 * an element reports that element, whatever order the rest came in.
 * Returns null when nothing was noise and no such array differs (keep the
 * original divergence), or when the documents are too different to pair.
 */
export function cancelBody(
  primary: Json,
  candidate: Json,
  policy: ComparePolicy,
  verdict: (key: string, d: ValueDiff) => BodyVerdict,
  orderOnly: ReadonlySet<string> = new Set(),
): BodyCancel | null {
  const diffs = walkJson(primary, candidate, automatonFor(policy).root)
  if (diffs === null) return null
  const noisy: ValueDiff[] = []
  const held: ValueDiff[] = []
  let touchesOrderOnly = false
  for (const d of diffs) {
    const field = foldPointer(d.path)
    if (d.element && orderOnly.has(field.slice(0, field.lastIndexOf('/')))) touchesOrderOnly = true
    // Elements that come or go cannot be reverted without shifting indices,
    // and the root has no holder: those are always reported.
    if (d.element || (d.op !== 'move' && d.holder === undefined)) continue
    const v = verdict(fieldKey(field, d.op), d)
    if (v === 'noise') noisy.push(d)
    else if (v === 'hold') held.push(d)
  }
  if (noisy.length === 0 && held.length === 0 && !touchesOrderOnly) return null
  const unordered = [...orderOnly]
  for (const d of noisy) revert(d, unordered)
  for (const d of held) revert(d, unordered)
  return {
    ops: diffJson(primary, candidate, withUnordered(policy, unordered)),
    noise: noisy.map(asOperation),
    held,
  }
}

function revert(d: ValueDiff, orderOnly: string[]): void {
  const holder = d.holder as Record<string, Json> | undefined
  switch (d.op) {
    case 'move':
      orderOnly.push(foldPointer(d.path))
      break
    case 'replace':
    case 'remove':
      holder![d.key!] = d.a as Json
      break
    case 'add':
      delete holder![d.key!]
      break
  }
}

/** One difference as an RFC 6902 operation (a `move` names the array reordered). */
export function asOperation(d: ValueDiff): Operation {
  switch (d.op) {
    case 'move':
      return { op: 'move', from: d.path, path: d.path }
    case 'remove':
      return { op: 'remove', path: d.path }
    case 'add':
      return { op: 'add', path: d.path, value: d.b }
    default:
      return { op: 'replace', path: d.path, value: d.b }
  }
}

export type { Json, JsonObject }

/**
 * Policy-aware JSON diff producing RFC 6902 operations.
 *
 * The returned patch is valid against the *filtered* primary document (the
 * primary with every `ignore.body` match removed) and, applied to it, yields
 * the filtered candidate, except that `unordered` and `keyed` arrays come out
 * in primary order (their order is, by definition, not a difference).
 * A node under a `format` rule is compared by format only: a format change
 * is one op carrying a `message` (src/diff/format-compare.ts).
 *
 * Subtrees that no pattern can reach are handed to fast-json-patch `compare`
 * unchanged, so a policy costs nothing where it does not apply; where one
 * can, raw-equal subtrees are skipped before any pattern is consulted.
 * Neither document is mutated; operation values may share structure with `b`.
 */
// fast-json-patch is CommonJS: Node's ESM loader only offers its default export.
import jsonPatch from 'fast-json-patch'
import type { Operation } from 'fast-json-patch'
import type { ComparePolicy } from './policy.js'
import { automatonFor } from './pointer-automaton.js'
import type { PointerState, Tolerance } from './pointer-automaton.js'
import { escapeToken } from './pointer-pattern.js'
import { canonical, deepEqual, filterValue, isContainer } from './json-values.js'
import { formatChange, noted } from './format-compare.js'
import type { Json, JsonObject } from './json-values.js'

const { compare } = jsonPatch
const hasOwn = Object.prototype.hasOwnProperty
// Bounds the trial diffs pairLeftovers may run (leftover primary × candidate elements).
const MAX_PAIRING_WORK = 256

/**
 * Diffs two parsed JSON documents under a policy.
 *
 * @example
 *   diffJson({ a: 1, t: 5 }, { a: 2, t: 6 }, { ...DEFAULT_POLICY, ignoreBody: [compilePointer('/t')] })
 *   // → [{ op: 'replace', path: '/a', value: 2 }]
 */
export function diffJson(a: unknown, b: unknown, policy: ComparePolicy): Operation[] {
  const ops: Operation[] = []
  const root = automatonFor(policy).root
  if (root?.ignore) return ops
  diffValue(a as Json, b as Json, '', root, ops)
  return ops
}

function diffValue(a: Json, b: Json, path: string, st: PointerState | null, ops: Operation[]): void {
  if (a === b) return
  if (st === null) return rawDiff(a, b, path, ops)
  if (st.format) {
    // Compared by format only: nothing below is compared, whatever else applies.
    const message = formatChange(a, b)
    if (message !== undefined) ops.push(noted({ op: 'replace', path, value: filterValue(b, st) }, message))
    return
  }
  if (isContainer(a) && isContainer(b)) {
    // Most subtrees are equal, and equal raw values are equal under any
    // policy: a tight equality walk is cheaper than a stateful diff walk.
    if (deepEqual(a, b)) return
    const aArr = Array.isArray(a)
    if (aArr && Array.isArray(b)) {
      if (st.keyed !== undefined || st.unordered) return alignedArrayDiff(a, b, path, st, ops)
      return indexArrayDiff(a, b, path, st, ops)
    }
    if (!aArr && !Array.isArray(b)) return objectDiff(a as JsonObject, b as JsonObject, path, st, ops)
  } else if (typeof a === 'number' && typeof b === 'number' && st.tolerance && within(a, b, st.tolerance)) {
    return
  }
  ops.push({ op: 'replace', path, value: filterValue(b, st) })
}

/** No pattern applies below: plain fast-json-patch, paths re-rooted at `path`. */
function rawDiff(a: Json, b: Json, path: string, ops: Operation[]): void {
  if (isContainer(a) && isContainer(b) && Array.isArray(a) === Array.isArray(b)) {
    const sub = compare(a, b)
    for (const op of sub) {
      if (path !== '') op.path = path + op.path
      ops.push(op)
    }
    return
  }
  // Different types or different scalars. `compare` cannot express a root
  // replacement, so it is done here for every level.
  ops.push({ op: 'replace', path, value: b })
}

function within(a: number, b: number, tol: Tolerance): boolean {
  const d = Math.abs(a - b)
  if (tol.abs !== undefined && d <= tol.abs) return true
  return tol.rel !== undefined && d <= tol.rel * Math.max(Math.abs(a), Math.abs(b))
}

function objectDiff(a: JsonObject, b: JsonObject, path: string, st: PointerState, ops: Operation[]): void {
  const uniform = st.uniform
  const other = uniform ? st.other() : null
  for (const k in a) {
    if (!hasOwn.call(a, k)) continue
    const present = hasOwn.call(b, k)
    const av = a[k]
    const bv = present ? b[k] : undefined
    // Equal scalars need no state lookup: most members of most documents.
    if (av === bv) continue
    const cs = uniform ? other : st.child(k)
    if (cs?.ignore) continue
    if (!present) ops.push(presence({ op: 'remove', path: path + '/' + escapeToken(k) }, cs, av, undefined))
    else diffValue(av, bv as Json, path + '/' + escapeToken(k), cs, ops)
  }
  for (const k in b) {
    if (!hasOwn.call(b, k) || hasOwn.call(a, k)) continue
    const cs = uniform ? other : st.child(k)
    if (cs?.ignore) continue
    ops.push(presence({ op: 'add', path: path + '/' + escapeToken(k), value: filterValue(b[k], cs) }, cs, undefined, b[k]))
  }
}

/** A member or element that comes or goes where a format rule applies names the format that went or came. */
function presence(op: Operation, st: PointerState | null, a: Json | undefined, b: Json | undefined): Operation {
  return st?.format ? noted(op, formatChange(a, b)) : op
}

/** An array with the ignored elements dropped, plus each kept element's state. */
interface Filtered {
  items: Json[]
  /** Per-element states, or null when every element has state `shared`. */
  states: (PointerState | null)[] | null
  shared: PointerState | null
}

function stateAt(f: Filtered, i: number): PointerState | null {
  return f.states === null ? f.shared : f.states[i]
}

function filterArray(arr: Json[], st: PointerState): Filtered {
  if (st.indexUniform) {
    // No literal index in any pattern: one state for all, no copy needed.
    const shared = st.other()
    return { items: shared?.ignore ? [] : arr, states: null, shared }
  }
  const items: Json[] = []
  const states: (PointerState | null)[] = []
  for (let i = 0; i < arr.length; i++) {
    // Patterns name original indices: `/items/0` is the first element as sent.
    const cs = st.child(String(i))
    if (cs?.ignore) continue
    items.push(arr[i])
    states.push(cs)
  }
  return { items, states, shared: null }
}

function indexArrayDiff(a: Json[], b: Json[], path: string, st: PointerState, ops: Operation[]): void {
  const fa = filterArray(a, st)
  const fb = filterArray(b, st)
  const n = Math.min(fa.items.length, fb.items.length)
  for (let i = 0; i < n; i++) {
    const av = fa.items[i]
    const bv = fb.items[i]
    if (av !== bv) diffValue(av, bv, path + '/' + i, stateAt(fa, i), ops)
  }
  // Remove from the end backwards so every index is valid when applied.
  for (let i = fa.items.length - 1; i >= n; i--) ops.push(presence({ op: 'remove', path: path + '/' + i }, stateAt(fa, i), fa.items[i], undefined))
  for (let i = n; i < fb.items.length; i++) {
    const cs = stateAt(fb, i)
    ops.push(presence({ op: 'add', path: path + '/' + i, value: filterValue(fb.items[i], cs) }, cs, undefined, fb.items[i]))
  }
}

/**
 * `keyed` and `unordered` arrays. Elements are paired by key (keyed) or by
 * canonical value (unordered, a multiset); unordered leftovers are then paired
 * by fewest differences so a changed element is one nested diff rather than
 * remove + add. The patch removes unpaired primary elements (highest index
 * first), then walks the candidate: an unpaired candidate element is one `add`
 * at its own index, a paired slot takes the next paired primary element in
 * primary order and is diffed against its partner. Pure reorderings yield no ops.
 */
function alignedArrayDiff(a: Json[], b: Json[], path: string, st: PointerState, ops: Operation[]): void {
  const fa = filterArray(a, st)
  const fb = filterArray(b, st)
  const key = st.keyed
  const na = fa.items.length
  const nb = fb.items.length
  // Fast path, the common case: a prefix already pairs in order (same key,
  // or raw-equal elements), so no canonical strings are built for it.
  let prefix = 0
  const limit = Math.min(na, nb)
  while (prefix < limit && samePlace(fa.items[prefix], fb.items[prefix], key)) prefix++
  if (prefix === na && prefix === nb) {
    if (key !== undefined) for (let i = 0; i < na; i++) diffValue(fa.items[i], fb.items[i], path + '/' + i, stateAt(fa, i), ops)
    return
  }
  const keyOf = (v: Json, s: PointerState | null): string =>
    key !== undefined && isContainer(v) && !Array.isArray(v) && hasOwn.call(v, key) ? 'k' + canonical(v[key], null) : 'v' + canonical(v, s)
  const aToB = new Int32Array(na).fill(-1)
  const bToA = new Int32Array(nb).fill(-1)
  for (let i = 0; i < prefix; i++) {
    aToB[i] = i
    bToA[i] = i
  }
  const byKey = new Map<string, number[]>()
  for (let i = prefix; i < na; i++) {
    const k = keyOf(fa.items[i], stateAt(fa, i))
    const q = byKey.get(k)
    if (q) q.push(i)
    else byKey.set(k, [i])
  }
  for (let j = prefix; j < nb; j++) {
    const q = byKey.get(keyOf(fb.items[j], stateAt(fb, j)))
    if (q && q.length > 0) {
      const i = q.shift()!
      aToB[i] = j
      bToA[j] = i
    }
  }
  if (key === undefined) pairLeftovers(fa, fb, aToB, bToA)
  for (let i = na - 1; i >= 0; i--) {
    if (aToB[i] === -1) ops.push(presence({ op: 'remove', path: path + '/' + i }, stateAt(fa, i), fa.items[i], undefined))
  }
  let nextA = 0
  for (let j = 0; j < nb; j++) {
    if (bToA[j] === -1) {
      const cs = stateAt(fb, j)
      ops.push(presence({ op: 'add', path: path + '/' + j, value: filterValue(fb.items[j], cs) }, cs, undefined, fb.items[j]))
      continue
    }
    while (aToB[nextA] === -1) nextA++
    const i = nextA++
    diffValue(fa.items[i], fb.items[aToB[i]], path + '/' + j, stateAt(fa, i), ops)
  }
}

/** Keyed: both elements carry the same key value. Unordered: raw deep equality. */
function samePlace(x: Json, y: Json, key: string | undefined): boolean {
  if (key === undefined) return deepEqual(x, y)
  if (!isContainer(x) || !isContainer(y) || Array.isArray(x) || Array.isArray(y)) return deepEqual(x, y)
  const kx = hasOwn.call(x, key)
  if (kx !== hasOwn.call(y, key)) return false
  return kx ? deepEqual(x[key], y[key]) : deepEqual(x, y)
}

/**
 * Pairs the unordered elements that found no equal partner: each leftover
 * primary element takes the leftover candidate element it differs least from
 * (fewest ops), so `{id: 1, v: 1}` → `{id: 1, v: 9}` is one nested replace.
 * Greedy and quadratic, so only for small leftovers; larger ones pair in order.
 */
function pairLeftovers(fa: Filtered, fb: Filtered, aToB: Int32Array, bToA: Int32Array): void {
  const ua: number[] = []
  const ub: number[] = []
  for (let i = 0; i < aToB.length; i++) if (aToB[i] === -1) ua.push(i)
  for (let j = 0; j < bToA.length; j++) if (bToA[j] === -1) ub.push(j)
  const n = Math.min(ua.length, ub.length)
  if (n === 0) return
  const small = ua.length * ub.length <= MAX_PAIRING_WORK
  for (const i of ua) {
    let best = -1
    let bestCost = Infinity
    for (let k = 0; k < ub.length; k++) {
      const j = ub[k]
      if (bToA[j] !== -1) continue
      if (!small) {
        best = j
        break
      }
      const trial: Operation[] = []
      diffValue(fa.items[i], fb.items[j], '', stateAt(fa, i), trial)
      if (trial.length < bestCost) {
        bestCost = trial.length
        best = j
        if (bestCost <= 1) break
      }
    }
    if (best === -1) return
    aToB[i] = best
    bToA[best] = i
  }
}

/**
 * A value-level diff of two parsed JSON documents for noise cancellation.
 * Unlike the reported JSON Patch (src/diff/json-diff.ts), it keeps both
 * values of every difference and where the second one lives, and it pairs
 * array elements by identity before comparing them:
 *
 * 1. by key: the policy's `keyed` field, else an id-like field (`id`,
 *    `uuid`, `sku`, `*Id` …) that every element has, unique on each side;
 * 2. by equal value (a multiset);
 * 3. what is left, by fewest differing leaves (small arrays) or in order.
 *
 * Paired elements in another order give one `move` at the array, so a
 * shuffled list is ONE difference ("order only") rather than one per index,
 * and an element that is gone is a `remove` even when the rest was shuffled.
 * The policy's `ignore.body`, `format.body` and `tolerance` apply as in the
 * reported diff; arrays the policy declares `unordered`/`keyed` never give
 * a `move`.
 */
import type { PointerState, Tolerance } from '../diff/pointer-automaton.js'
import { escapeToken } from '../diff/pointer-pattern.js'
import { formatOf } from './value-format.js'
import { canonical, deepEqual, distance } from './json-values.js'
import type { Json, JsonObject } from './json-values.js'

export type { Json, JsonObject }

/** One difference between document A (primary) and document B (secondary or candidate). */
export interface ValueDiff {
  op: 'replace' | 'add' | 'remove' | 'move'
  /**
   * Concrete JSON Pointer in B; in A for `remove`. For `move`, the array in B.
   * Array indices are not folded (fieldOf folds them).
   */
  path: string
  a?: Json
  b?: Json
  /** B's container and key of `b` (or of the missing member), so the difference can be reverted in B. */
  holder?: Json[] | JsonObject
  key?: string
  /** An array element added or removed: it cannot be reverted without shifting indices. */
  element?: boolean
}

export interface WalkLimits {
  /** Stop (return null) beyond this many differences: too different to be noise. */
  maxDiffs: number
  /** Deeper nodes are compared whole, as one replacement. */
  maxDepth: number
}

export const DEFAULT_WALK_LIMITS: WalkLimits = Object.freeze({ maxDiffs: 2000, maxDepth: 128 })

const hasOwn = Object.prototype.hasOwnProperty
// Bounds the trial distances computed when pairing leftover elements.
const MAX_PAIRING_WORK = 256
const ID_KEYS = ['id', '_id', 'uuid', 'key', 'sku', 'code', 'slug', 'name']

class Overflow extends Error {}

interface Walk {
  out: ValueDiff[]
  limits: WalkLimits
}

/**
 * Every difference between `a` and `b` under the policy automaton state
 * `root` (null: no pointer rule applies), or null when there are more than
 * `limits.maxDiffs`.
 *
 * @example
 *   walkJson({ t: 'x', tags: [1, 2] }, { t: 'y', tags: [2, 1] }, null)
 *   // [{ op: 'replace', path: '/t', a: 'x', b: 'y', … }, { op: 'move', path: '/tags', … }]
 */
export function walkJson(a: Json, b: Json, root: PointerState | null, limits: WalkLimits = DEFAULT_WALK_LIMITS): ValueDiff[] | null {
  if (root?.ignore) return []
  const w: Walk = { out: [], limits }
  try {
    value(w, a, b, '', root, undefined, undefined, 0)
  } catch (err) {
    if (err instanceof Overflow) return null
    throw err
  }
  return w.out
}

function push(w: Walk, d: ValueDiff): void {
  if (w.out.length >= w.limits.maxDiffs) throw new Overflow()
  w.out.push(d)
}

function isObject(v: Json): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function value(w: Walk, a: Json, b: Json, path: string, st: PointerState | null, holder: ValueDiff['holder'], key: string | undefined, depth: number): void {
  if (a === b) return
  // Compared by format only, as in the reported diff: nothing below is compared.
  if (st?.format) {
    if (formatOf(a) !== formatOf(b)) push(w, { op: 'replace', path, a, b, holder, key })
    return
  }
  if (depth < w.limits.maxDepth) {
    if (Array.isArray(a) && Array.isArray(b)) return array(w, a, b, path, st, depth)
    if (isObject(a) && isObject(b)) return object(w, a, b, path, st, depth)
  }
  if (typeof a === 'number' && typeof b === 'number' && st?.tolerance && within(a, b, st.tolerance)) return
  if (depth >= w.limits.maxDepth && deepEqual(a, b)) return
  push(w, { op: 'replace', path, a, b, holder, key })
}

function within(a: number, b: number, tol: Tolerance): boolean {
  const d = Math.abs(a - b)
  if (tol.abs !== undefined && d <= tol.abs) return true
  return tol.rel !== undefined && d <= tol.rel * Math.max(Math.abs(a), Math.abs(b))
}

function object(w: Walk, a: JsonObject, b: JsonObject, path: string, st: PointerState | null, depth: number): void {
  for (const k in a) {
    if (!hasOwn.call(a, k)) continue
    const av = a[k]
    const present = hasOwn.call(b, k)
    if (present && av === b[k]) continue
    const cs = st === null ? null : st.child(k)
    if (cs?.ignore) continue
    const p = path + '/' + escapeToken(k)
    if (present) value(w, av, b[k], p, cs, b, k, depth + 1)
    else push(w, { op: 'remove', path: p, a: av, holder: b, key: k })
  }
  for (const k in b) {
    if (!hasOwn.call(b, k) || hasOwn.call(a, k)) continue
    const cs = st === null ? null : st.child(k)
    if (cs?.ignore) continue
    push(w, { op: 'add', path: path + '/' + escapeToken(k), b: b[k], holder: b, key: k })
  }
}

function elementState(st: PointerState | null, i: number): PointerState | null {
  if (st === null) return null
  return st.indexUniform ? st.other() : st.child(String(i))
}

/** Indices of the elements no `ignore.body` pattern removes. */
function kept(arr: Json[], st: PointerState | null): number[] {
  const out: number[] = []
  for (let i = 0; i < arr.length; i++) if (!elementState(st, i)?.ignore) out.push(i)
  return out
}

function array(w: Walk, a: Json[], b: Json[], path: string, st: PointerState | null, depth: number): void {
  if (deepEqual(a, b)) return
  const ia = kept(a, st)
  const ib = kept(b, st)
  const aToB = new Map<number, number>()
  const bTaken = new Set<number>()
  const pair = (i: number, j: number) => {
    aToB.set(i, j)
    bTaken.add(j)
  }
  const key = st?.keyed ?? autoKey(a, b, ia, ib)
  if (key !== undefined) pairBy(a, b, ia, ib, (v) => (isObject(v) && hasOwn.call(v, key) ? 'k' + canonical(v[key]) : undefined), aToB, bTaken, pair)
  pairBy(a, b, ia, ib, (v) => 'v' + canonical(v), aToB, bTaken, pair)
  pairLeftovers(a, b, ia.filter((i) => !aToB.has(i)), ib.filter((j) => !bTaken.has(j)), pair)

  const orderMatters = !(st?.unordered || st?.keyed !== undefined)
  if (orderMatters) {
    let last = -1
    for (const i of ia) {
      const j = aToB.get(i)
      if (j === undefined) continue
      if (j < last) {
        push(w, { op: 'move', path })
        break
      }
      last = j
    }
  }
  for (const i of ia) {
    const j = aToB.get(i)
    if (j === undefined) push(w, { op: 'remove', path: path + '/' + i, a: a[i], element: true })
    else if (a[i] !== b[j]) value(w, a[i], b[j], path + '/' + j, elementState(st, i), b, String(j), depth + 1)
  }
  for (const j of ib) if (!bTaken.has(j)) push(w, { op: 'add', path: path + '/' + j, b: b[j], element: true })
}

/** Pairs still-unpaired elements whose identity (`idOf`) is equal, first come first served. */
function pairBy(
  a: Json[],
  b: Json[],
  ia: number[],
  ib: number[],
  idOf: (v: Json) => string | undefined,
  aToB: Map<number, number>,
  bTaken: Set<number>,
  pair: (i: number, j: number) => void,
): void {
  const queues = new Map<string, number[]>()
  for (const i of ia) {
    if (aToB.has(i)) continue
    const id = idOf(a[i])
    if (id === undefined) continue
    const q = queues.get(id)
    if (q) q.push(i)
    else queues.set(id, [i])
  }
  if (queues.size === 0) return
  for (const j of ib) {
    if (bTaken.has(j)) continue
    const id = idOf(b[j])
    const q = id === undefined ? undefined : queues.get(id)
    if (q && q.length > 0) pair(q.shift()!, j)
  }
}

/** Each leftover A element takes the leftover B element it differs least from (small arrays), else in order. */
function pairLeftovers(a: Json[], b: Json[], ua: number[], ub: number[], pair: (i: number, j: number) => void): void {
  if (ua.length === 0 || ub.length === 0) return
  if (ua.length * ub.length > MAX_PAIRING_WORK) {
    for (let k = 0; k < Math.min(ua.length, ub.length); k++) pair(ua[k], ub[k])
    return
  }
  const free = new Set(ub)
  for (const i of ua) {
    let best = -1
    let bestCost = Infinity
    for (const j of free) {
      const cost = distance(a[i], b[j], 64)
      if (cost < bestCost) {
        bestCost = cost
        best = j
      }
    }
    if (best === -1) return
    free.delete(best)
    pair(i, best)
  }
}

/**
 * The id-like field two arrays of objects are paired by in walkJson, or
 * undefined when there is none (see autoKey).
 */
export function idKeyOf(a: Json[], b: Json[]): string | undefined {
  return autoKey(a, b, a.map((_, i) => i), b.map((_, j) => j))
}

/**
 * An id-like field to pair object elements by: present as a string or number
 * in every element, unique on each side, and shared by at least half of the
 * shorter side (ids that are themselves random per response identify nothing).
 */
function autoKey(a: Json[], b: Json[], ia: number[], ib: number[]): string | undefined {
  if (ia.length === 0 || ib.length === 0) return undefined
  for (const i of ia) if (!isObject(a[i])) return undefined
  for (const j of ib) if (!isObject(b[j])) return undefined
  const first = a[ia[0]] as JsonObject
  const candidates = [...ID_KEYS, ...Object.keys(first).filter((k) => /(?:id|Id|ID)$/.test(k) && !ID_KEYS.includes(k))]
  for (const key of candidates) {
    const va = idValues(a, ia, key)
    if (!va) continue
    const vb = idValues(b, ib, key)
    if (!vb) continue
    let shared = 0
    for (const v of va) if (vb.has(v)) shared++
    if (shared * 2 >= Math.min(va.size, vb.size)) return key
  }
  return undefined
}

function idValues(arr: Json[], idx: number[], key: string): Set<string> | undefined {
  const seen = new Set<string>()
  for (const i of idx) {
    const v = (arr[i] as JsonObject)[key]
    if (typeof v !== 'string' && typeof v !== 'number') return undefined
    const id = typeof v + ':' + v
    if (seen.has(id)) return undefined
    seen.add(id)
  }
  return seen
}

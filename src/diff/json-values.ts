/**
 * Value helpers for the JSON diff: structural equality, canonical strings
 * for multiset matching, and policy filtering of added values.
 */
import type { PointerState } from './pointer-automaton.js'
import { formatOf } from '../noise/value-format.js'

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
export type JsonObject = { [key: string]: Json }

const hasOwn = Object.prototype.hasOwnProperty

export function isContainer(v: Json): v is Json[] | JsonObject {
  return typeof v === 'object' && v !== null
}

/** Structural equality, ignoring key order. Equal raw values are equal under any policy. */
export function deepEqual(x: Json, y: Json): boolean {
  if (x === y) return true
  if (!isContainer(x) || !isContainer(y)) return false
  if (Array.isArray(x)) {
    if (!Array.isArray(y) || x.length !== y.length) return false
    for (let i = 0; i < x.length; i++) if (!deepEqual(x[i], y[i])) return false
    return true
  }
  if (Array.isArray(y)) return false
  let n = 0
  for (const k in x) {
    if (!hasOwn.call(x, k)) continue
    if (!hasOwn.call(y, k) || !deepEqual(x[k], (y as JsonObject)[k])) return false
    n++
  }
  for (const k in y) if (hasOwn.call(y, k)) n--
  return n === 0
}

/**
 * A string equal for equal values under the policy: object keys sorted,
 * ignored members dropped, unordered/keyed arrays sorted, nodes compared
 * by format replaced by their format.
 */
export function canonical(v: Json, st: PointerState | null): string {
  // A node compared by format stands for its format; no JSON text starts with '<'.
  if (st !== null && st.format) return '<' + formatOf(v) + '>'
  if (!isContainer(v)) return JSON.stringify(v)
  if (Array.isArray(v)) {
    const parts: string[] = []
    for (let i = 0; i < v.length; i++) {
      const cs = st === null ? null : st.indexUniform ? st.other() : st.child(String(i))
      if (cs?.ignore) continue
      parts.push(canonical(v[i], cs))
    }
    if (st !== null && (st.unordered || st.keyed !== undefined)) parts.sort()
    return '[' + parts.join(',') + ']'
  }
  const keys = Object.keys(v).sort()
  const parts: string[] = []
  for (const k of keys) {
    const cs = st === null ? null : st.child(k)
    if (cs?.ignore) continue
    parts.push(JSON.stringify(k) + ':' + canonical(v[k], cs))
  }
  return '{' + parts.join(',') + '}'
}

/** `v` with every ignored member removed (a copy only where something applies). */
export function filterValue(v: Json, st: PointerState | null): Json {
  if (st === null || !isContainer(v)) return v
  if (Array.isArray(v)) {
    const out: Json[] = []
    for (let i = 0; i < v.length; i++) {
      const cs = st.indexUniform ? st.other() : st.child(String(i))
      if (!cs?.ignore) out.push(filterValue(v[i], cs))
    }
    return out
  }
  const out: JsonObject = {}
  for (const k of Object.keys(v)) {
    const cs = st.child(k)
    if (!cs?.ignore) Object.defineProperty(out, k, { value: filterValue(v[k], cs), enumerable: true, writable: true, configurable: true })
  }
  return out
}

/**
 * Small helpers on parsed JSON values shared by the noise walk: canonical
 * form, structural equality, and a bounded count of differing leaves.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
export type JsonObject = { [key: string]: Json }

const hasOwn = Object.prototype.hasOwnProperty

function isObject(v: Json): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** JSON with object keys sorted: equal strings for equal values. */
export function canonical(v: Json): string {
  if (typeof v !== 'object' || v === null) return JSON.stringify(v)
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']'
  const keys = Object.keys(v).sort()
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonical(v[k])).join(',') + '}'
}

/** Structural equality, ignoring object key order. */
export function deepEqual(x: Json, y: Json): boolean {
  if (x === y) return true
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false
  if (Array.isArray(x)) {
    if (!Array.isArray(y) || x.length !== y.length) return false
    for (let i = 0; i < x.length; i++) if (!deepEqual(x[i], y[i])) return false
    return true
  }
  if (Array.isArray(y)) return false
  let n = 0
  for (const k in x) {
    if (!hasOwn.call(x, k)) continue
    if (!hasOwn.call(y, k) || !deepEqual(x[k], y[k])) return false
    n++
  }
  for (const k in y) if (hasOwn.call(y, k)) n--
  return n === 0
}

/** Number of differing leaves, counting at most `budget`. */
export function distance(x: Json, y: Json, budget: number): number {
  if (x === y) return 0
  if (Array.isArray(x) && Array.isArray(y)) {
    let d = Math.abs(x.length - y.length)
    for (let i = 0; i < Math.min(x.length, y.length) && d < budget; i++) d += distance(x[i], y[i], budget - d)
    return d
  }
  if (isObject(x) && isObject(y)) {
    let d = 0
    for (const k in x) {
      if (d >= budget) break
      if (hasOwn.call(x, k)) d += hasOwn.call(y, k) ? distance(x[k], y[k], budget - d) : 1
    }
    for (const k in y) if (hasOwn.call(y, k) && !hasOwn.call(x, k)) d++
    return d
  }
  return 1
}

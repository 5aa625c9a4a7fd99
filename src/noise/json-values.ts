/**
 * Value helpers for the noise walk: the diff's own JSON types, structural
 * equality and canonical form (src/diff/json-values.ts), plus a bounded
 * count of differing leaves for pairing leftover array elements.
 */
import { canonical as canonicalUnder, deepEqual } from '../diff/json-values.js'
import type { Json, JsonObject } from '../diff/json-values.js'

export type { Json, JsonObject }
export { deepEqual }

const hasOwn = Object.prototype.hasOwnProperty

function isObject(v: Json): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** JSON with object keys sorted, array order kept: equal strings for equal values. */
export function canonical(v: Json): string {
  return canonicalUnder(v, null)
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

/**
 * A rule policy plus the arrays noise showed to be order-only, compared as
 * multisets (`unordered`). Cached per (policy, set of arrays): the set is
 * small and stable per route, and each policy compiles its pointer
 * automaton once (src/diff/pointer-automaton.ts).
 */
import type { ComparePolicy } from '../diff/policy.js'
import { compilePointer } from '../diff/pointer-pattern.js'

const cache = new WeakMap<ComparePolicy, Map<string, ComparePolicy>>()
// Bounds the variants kept per rule policy; clearing only costs recompiling.
const MAX_VARIANTS = 256

/**
 * `policy` with `pointers` (folded, e.g. `/groups/*\/members`) added to `unordered`.
 *
 * @example
 *   diffJson(primary, candidate, withUnordered(match.policy, ['/tags']))
 */
export function withUnordered(policy: ComparePolicy, pointers: readonly string[]): ComparePolicy {
  if (pointers.length === 0) return policy
  const unique = [...new Set(pointers)].sort()
  const key = unique.join('\n')
  let variants = cache.get(policy)
  if (variants === undefined) cache.set(policy, (variants = new Map()))
  let out = variants.get(key)
  if (out === undefined) {
    if (variants.size >= MAX_VARIANTS) variants.clear()
    const have = new Set(policy.unordered.map((p) => p.source))
    const extra = unique.filter((p) => !have.has(p)).map(compilePointer)
    out = Object.freeze({ ...policy, unordered: [...policy.unordered, ...extra] })
    variants.set(key, out)
  }
  return out
}

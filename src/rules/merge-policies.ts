/**
 * Merges the rules that match one exchange into one ComparePolicy.
 *
 * Precedence, in file order (files in name order, rules top to bottom):
 * - ignore.headers, ignore.body, ignore.query, format.headers, format.body,
 *   unordered: union;
 * - compare.headers: `all` wins over lists; lists are united;
 *   no rule saying anything leaves the default (media type only);
 * - keyed, tolerance: per pointer, the later rule replaces the earlier;
 *   when two different patterns hit one node, the later one applies;
 * - text.replace: concatenated, applied in order;
 *   text.trim / text.collapseWhitespace: the last rule that sets one wins.
 */
import type { ComparePolicy, PointerPattern } from '../diff/policy.js'
import { DEFAULT_POLICY } from '../diff/default-policy.js'
import type { RuleSpec } from './rule-spec.js'

/** One frozen policy for these rules (DEFAULT_POLICY itself for none). */
export function mergePolicies(rules: readonly RuleSpec[]): ComparePolicy {
  if (rules.length === 0) return DEFAULT_POLICY
  const ignoreHeaders = new Set<string>()
  const ignoreQuery = new Set<string>()
  const ignoreBody = new Map<string, PointerPattern>()
  const formatHeaders = new Set<string>()
  const formatBody = new Map<string, PointerPattern>()
  const unordered = new Map<string, PointerPattern>()
  const keyed = new Map<string, ComparePolicy['keyed'][number]>()
  const tolerance = new Map<string, ComparePolicy['tolerance'][number]>()
  const replace: ComparePolicy['text']['replace'] = []
  let compareAll = false
  let compareList: Set<string> | undefined
  let trim = false
  let collapseWhitespace = false
  for (const rule of rules) {
    for (const h of rule.ignoreHeaders) ignoreHeaders.add(h)
    for (const q of rule.ignoreQuery) ignoreQuery.add(q)
    for (const p of rule.ignoreBody) ignoreBody.set(p.source, p)
    for (const h of rule.formatHeaders) formatHeaders.add(h)
    for (const p of rule.formatBody) formatBody.set(p.source, p)
    for (const p of rule.unordered) unordered.set(p.source, p)
    // delete + set moves a re-declared pointer to the end: later wins.
    for (const k of rule.keyed) {
      keyed.delete(k.pointer.source)
      keyed.set(k.pointer.source, k)
    }
    for (const t of rule.tolerance) {
      tolerance.delete(t.pointer.source)
      tolerance.set(t.pointer.source, t)
    }
    if (rule.compareHeaders === 'all') compareAll = true
    else if (rule.compareHeaders) for (const h of rule.compareHeaders) (compareList ??= new Set()).add(h)
    replace.push(...rule.text.replace)
    if (rule.text.trim !== undefined) trim = rule.text.trim
    if (rule.text.collapseWhitespace !== undefined) collapseWhitespace = rule.text.collapseWhitespace
  }
  return Object.freeze({
    ignoreHeaders,
    compareHeaders: compareAll ? 'all' : (compareList ?? 'media-type'),
    ignoreBody: [...ignoreBody.values()],
    formatHeaders,
    formatBody: [...formatBody.values()],
    unordered: [...unordered.values()],
    keyed: [...keyed.values()],
    tolerance: [...tolerance.values()],
    text: Object.freeze({ replace, trim, collapseWhitespace }),
    ignoreQuery,
  })
}

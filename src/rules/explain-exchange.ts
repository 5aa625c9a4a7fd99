/**
 * `shadowdiff rules explain`: which differences each matching rule hides.
 *
 * For every matching rule the exchange is compared twice: with all matching
 * rules, and with all but that rule. What the second comparison reports and
 * the first does not is what the rule removed. A difference hidden by two
 * rules at once (both ignore /a) is listed under neither; `shadowed` says so.
 */
import type { Divergence, Operation, RequestInfo, SideResult } from '../types.js'
import { compareResponses } from '../diff/compare-responses.js'
import { CompiledRuleSet } from './rule-set.js'
import { mergePolicies } from './merge-policies.js'
import type { RuleSet } from './types.js'

export interface RuleExplanation {
  /** The rule's name (`file#index` when unnamed). */
  rule: string
  /** Where it is defined, `file:line`. */
  at: string
  /** Differences reported without this rule and hidden with it (one body op each). */
  removed: Divergence[]
}

export interface ExchangeExplanation {
  route: string
  /** The divergences with every matching rule applied. */
  divergences: Divergence[]
  /** The divergences with no rule at all (DEFAULT_POLICY). */
  withoutRules: Divergence[]
  rules: RuleExplanation[]
  /** Differences hidden by all rules together but by none alone (several rules hide them). */
  shadowed: Divergence[]
}

/**
 * Explains, rule by rule, what the matching rules hide for one exchange.
 *
 * @example
 *   const e = explainExchange(ruleSet, req, primary, candidate)
 *   for (const r of e.rules) console.log(r.rule, r.removed.length)
 */
export function explainExchange(ruleSet: RuleSet, req: RequestInfo, primary: SideResult, candidate: SideResult): ExchangeExplanation {
  if (!(ruleSet instanceof CompiledRuleSet)) throw new TypeError('explainExchange needs a RuleSet built by loadRuleSet or compileRules')
  const matched = ruleSet.match(req)
  const picked = ruleSet.matchingIndices(req).map((i) => ruleSet.rules[i])
  const divergences = compareResponses(primary, candidate, matched.policy)
  const withAll = new Set(flatten(divergences).map(keyOf))
  const withoutRules = compareResponses(primary, candidate, mergePolicies([]))
  const explained = new Set<string>()
  const rules = picked.map((rule) => {
    const others = picked.filter((r) => r !== rule)
    const without = flatten(compareResponses(primary, candidate, mergePolicies(others)))
    const removed = without.filter((d) => !withAll.has(keyOf(d)))
    for (const d of removed) explained.add(keyOf(d))
    return { rule: rule.name, at: `${rule.file}:${rule.line}`, removed }
  })
  const shadowed = flatten(withoutRules).filter((d) => !withAll.has(keyOf(d)) && !explained.has(keyOf(d)))
  return { route: matched.route, divergences, withoutRules, rules, shadowed }
}

/** Splits a JSON body divergence into one divergence per operation. */
function flatten(ds: Divergence[]): Divergence[] {
  const out: Divergence[] = []
  for (const d of ds) {
    if (d.kind === 'body' && 'ops' in d) for (const op of d.ops) out.push({ kind: 'body', ops: [op as Operation] })
    else out.push(d)
  }
  return out
}

/**
 * Identity of a difference with or without some rule. A format rule's
 * `message` is left out: without the rule the same difference has none, and
 * it would otherwise look removed by the very rule that reports it.
 */
function keyOf(d: Divergence): string {
  if (d.kind === 'header') return JSON.stringify({ ...d, message: undefined })
  if (d.kind === 'body' && 'ops' in d) return JSON.stringify({ kind: 'body', ops: d.ops.map((op) => ({ ...op, message: undefined })) })
  return JSON.stringify(d)
}

/**
 * The compiled rule set: matches a request against every rule and returns the
 * merged policy. `match` runs on every proxied request, so it allocates as
 * little as possible: rules are tested with precompiled regexes, and the
 * merged policy, names and route are cached per combination of matching
 * rules (a bitmask for up to 31 rules, a key string beyond).
 */
import type { RequestInfo } from '../types.js'
import type { RuleMatch, RuleSet } from './types.js'
import type { RuleSpec } from './rule-spec.js'
import type { ComparePolicy } from '../diff/policy.js'
import { mergePolicies } from './merge-policies.js'
import { deriveRoute } from './derive-route.js'

interface Combination {
  /** Frozen: shared by every request with this combination. */
  readonly rules: string[]
  readonly policy: ComparePolicy
  /** The route the rules give, or null to derive it from each request's path. */
  readonly route: string | null
  /** The whole answer, shared by every request, when the route is fixed. */
  readonly fixed: RuleMatch | null
}

// Bounds the cache whatever the traffic: at worst it is rebuilt.
const MAX_CACHED = 4096

export class CompiledRuleSet implements RuleSet {
  readonly sources: readonly string[]
  readonly rules: readonly RuleSpec[]
  readonly #byMask = new Map<number, Combination>()
  readonly #byKey = new Map<string, Combination>()
  readonly #needsQuery: boolean

  constructor(sources: readonly string[], rules: readonly RuleSpec[]) {
    this.sources = Object.freeze([...sources])
    this.rules = Object.freeze([...rules])
    this.#needsQuery = rules.some((r) => r.query.length > 0)
  }

  get size(): number {
    return this.rules.length
  }

  /**
   * The rules that apply to `req`, their merged policy and the report route:
   * the first matching rule's `route`, else the first matching rule's
   * `match.path`, else the path with ids folded (deriveRoute).
   * The result (and its `rules` array) may be shared between requests and is
   * frozen: treat it as read-only.
   */
  match(req: RequestInfo): RuleMatch {
    const rules = this.rules
    let query: URLSearchParams | undefined
    const getQuery = this.#needsQuery ? () => (query ??= new URLSearchParams(req.query)) : undefined
    let combo: Combination
    if (rules.length <= 31) {
      let mask = 0
      for (let i = 0; i < rules.length; i++) if (matches(rules[i], req, getQuery)) mask |= 1 << i
      combo = this.#byMask.get(mask) ?? this.#remember(this.#byMask, mask, () => this.#indicesOfMask(mask))
    } else {
      let key = ''
      for (let i = 0; i < rules.length; i++) if (matches(rules[i], req, getQuery)) key += i + ','
      combo = this.#byKey.get(key) ?? this.#remember(this.#byKey, key, () => key.split(',').filter(Boolean).map(Number))
    }
    return combo.fixed ?? { route: deriveRoute(req.path), rules: combo.rules, policy: combo.policy }
  }

  /** Indices of the rules matching `req`, in application order (for `rules explain`). */
  matchingIndices(req: RequestInfo): number[] {
    let query: URLSearchParams | undefined
    const getQuery = () => (query ??= new URLSearchParams(req.query))
    const out: number[] = []
    for (let i = 0; i < this.rules.length; i++) if (matches(this.rules[i], req, getQuery)) out.push(i)
    return out
  }

  #indicesOfMask(mask: number): number[] {
    const out: number[] = []
    for (let i = 0; i < this.rules.length; i++) if (mask & (1 << i)) out.push(i)
    return out
  }

  #remember<K>(cache: Map<K, Combination>, key: K, indices: () => number[]): Combination {
    if (cache.size >= MAX_CACHED) cache.clear()
    const picked = indices().map((i) => this.rules[i])
    const route = picked.find((r) => r.route)?.route ?? picked.find((r) => r.path)?.path?.source ?? null
    const names = Object.freeze(picked.map((r) => r.name)) as string[]
    const policy = mergePolicies(picked)
    const fixed = route === null ? null : Object.freeze({ route, rules: names, policy }) as RuleMatch
    const combo: Combination = { rules: names, policy, route, fixed }
    cache.set(key, combo)
    return combo
  }
}

/** True when every condition of the rule's `match` holds for the request. */
function matches(rule: RuleSpec, req: RequestInfo, getQuery: (() => URLSearchParams) | undefined): boolean {
  if (rule.methods && !rule.methods.has(req.method) && !rule.methods.has(req.method.toUpperCase())) return false
  if (rule.path && !rule.path.regex.test(req.path)) return false
  for (const c of rule.header) {
    const v = req.headers[c.name]
    if (!c.test(Array.isArray(v) ? v.join(', ') : v)) return false
  }
  if (rule.query.length > 0) {
    const q = getQuery!()
    for (const c of rule.query) if (!c.test(q.get(c.name) ?? undefined)) return false
  }
  return true
}

/**
 * What each suggested rule would do to the recorded divergences: every
 * recorded exchange of the route is compared again under the rules in use
 * plus the suggested file, and counted as turned equal or still divergent.
 * A reviewer sees, rule by rule, how many recorded divergences it would
 * hide and which ones: "would turn 32 of 40 recorded divergent exchanges
 * equal, e.g. GET /products/1 …; 8 stay divergent, e.g. GET /products/0
 * (replace /price)".
 *
 * The stored bodies are redacted and cut to the store's body cap: an
 * exchange whose bodies were cut compares as text and may count as still
 * divergent although the full bodies would be equal.
 */
import type { CapturedResponse, HeaderMap, SideResult } from '../types.js'
import type { RuleSet } from '../rules/types.js'
import { compileRules } from '../rules/load-rules.js'
import { CompiledRuleSet } from '../rules/rule-set.js'
import { compareResponses } from '../diff/compare-responses.js'
import { fieldsOf } from '../store/divergence-fields.js'
import { suggestRules } from './suggest-rules.js'
import type { RecordedExchange, RouteSuggestions } from './suggest-rules.js'
import { renderSuggestions, ruleName } from './suggest-yaml.js'

/** Examples listed per rule, of each kind. */
const EXAMPLES = 3

/**
 * Suggestions per route, each with its impact on the recorded exchanges.
 *
 * @example
 *   const routes = suggestWithImpact(readRecorded(['./shadowdiff.db']))
 *   routes[0].impact // { recorded: 40, turnedEqual: 32, equalExamples: [...], stillDivergent: [...] }
 */
export function suggestWithImpact(recorded: readonly RecordedExchange[], opts: { rules?: RuleSet } = {}): RouteSuggestions[] {
  const routes = suggestRules(recorded)
  const text = renderSuggestions(routes, { sources: [], generatedAt: '' })
  const suggested = compileRules([{ file: 'suggested-rules.yaml', text }])
  const inUse = opts.rules instanceof CompiledRuleSet ? opts.rules.rules : []
  const combined = new CompiledRuleSet([], [...inUse, ...(suggested as CompiledRuleSet).rules])
  const byRoute = new Map(routes.map((r) => [`${r.method} ${r.route}`, r]))
  for (const ex of recorded) {
    const route = byRoute.get(`${ex.method} ${ex.route}`)
    if (route === undefined || route.path === undefined || route.suggestions.length === 0) continue
    const impact = (route.impact ??= { recorded: 0, turnedEqual: 0, equalExamples: [], stillDivergent: [] })
    impact.recorded++
    const q = (ex.url ?? ex.path).indexOf('?')
    const url = ex.url ?? ex.path
    const request = { method: ex.method, url, path: ex.path, query: q === -1 ? '' : url.slice(q + 1), headers: ex.requestHeaders ?? {} }
    const match = combined.match(request)
    const divergences = match.rules.includes(ruleName(route))
      ? compareResponses(side(ex.primaryStatus, ex.primaryHeaders, ex.primaryBody), side(ex.candidateStatus, ex.candidateHeaders, ex.candidateBody), match.policy)
      : [{ kind: 'error' as const, code: 'NOT_MATCHED', message: 'the suggested rule does not match this request' }]
    if (divergences.length === 0) {
      impact.turnedEqual++
      if (impact.equalExamples.length < EXAMPLES) impact.equalExamples.push(`${ex.method} ${url}`)
    } else if (impact.stillDivergent.length < EXAMPLES) {
      const fields = fieldsOf(divergences).slice(0, 3).map((f) => `${f.op} ${f.field}`)
      impact.stillDivergent.push(`${ex.method} ${url} (${fields.join(', ')})`)
    }
  }
  return routes
}

/** A stored side as the comparison takes it; no status means the side did not answer. */
function side(status: number | null | undefined, headers: HeaderMap | null, body: Buffer | null): SideResult {
  if (status === null) return { ok: false, code: 'NO_RESPONSE', message: 'no response was recorded', latencyMs: 0 }
  const b = body ?? Buffer.alloc(0)
  const out: CapturedResponse = { ok: true, status: status ?? 200, headers: headers ?? {}, body: b, size: b.length, complete: true, latencyMs: 0 }
  return out
}

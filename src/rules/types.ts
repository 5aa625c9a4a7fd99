/**
 * The contract between the rules stage and the rest of the pipeline.
 * src/rules compiles rule files into a RuleSet once at load; the proxy asks it
 * for the policy of each request; src/diff applies that policy to two responses.
 */
import type { RequestInfo } from '../types.js'
import type { ComparePolicy } from '../diff/policy.js'

export interface RuleMatch {
  /** The route that groups this exchange in reports. */
  route: string
  /** Names of the matching rules, in the order they were applied. */
  rules: string[]
  /** The merged, compiled comparison policy for this exchange. */
  policy: ComparePolicy
}

export interface RuleSet {
  /** Where the rules were loaded from (files, in load order). */
  readonly sources: readonly string[]
  /** Number of rules loaded. */
  readonly size: number
  /** Find the rules that apply to a request and merge them into one policy. */
  match(req: RequestInfo): RuleMatch
}

/** One problem found while loading rules, e.g. `rules/a.yaml:12: ignore.body[0]: ...`. */
export interface RuleProblem {
  file: string
  line: number
  key: string
  message: string
}

/**
 * Compares one primary response with one candidate response under a policy.
 */
import type { Divergence, SideResult } from '../types.js'
import type { ComparePolicy } from './policy.js'
import { compareHeaders } from './compare-headers.js'
import { compareBodies } from './compare-body.js'

/**
 * Returns every divergence between the two sides; `[]` means equal.
 *
 * - candidate failed (refused, reset, timeout): one `error` divergence;
 * - primary failed: `[]`: there is nothing to compare against, and the
 *   caller records the exchange as not compared rather than as a divergence;
 * - otherwise status, then headers (see compareHeaders), then the body: one
 *   divergence holding JSON Patch ops, a unified text diff, or the hashes.
 *
 * @example
 *   compareResponses(primary, candidate, ruleSet.match(req).policy)
 */
export function compareResponses(primary: SideResult, candidate: SideResult, policy: ComparePolicy): Divergence[] {
  if (!primary.ok) return []
  if (!candidate.ok) return [{ kind: 'error', code: candidate.code, message: candidate.message }]
  const out: Divergence[] = []
  if (primary.status !== candidate.status) {
    out.push({ kind: 'status', primary: primary.status, candidate: candidate.status })
  }
  compareHeaders(primary.headers, candidate.headers, policy, out)
  compareBodies(primary, candidate, policy, out)
  return out
}

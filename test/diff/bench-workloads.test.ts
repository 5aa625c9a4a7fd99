/**
 * Every workload bench/diff.js times is asserted correct here (h3
 * `bench.test.ts`): 10 rules match, the rules hide exactly the noise, and the
 * one real change survives on every size.
 */
import jsonPatch from 'fast-json-patch'
import { describe, expect, it } from 'vitest'
import { RULES_YAML, expectedOps, makePair } from '../../bench/diff-workloads.js'
import { compileRules } from '../../src/rules/load-rules.js'
import { compareResponses } from '../../src/diff/compare-responses.js'
import { DEFAULT_POLICY } from '../../src/diff/default-policy.js'
import { json, request } from './responses.js'

describe('bench/diff.js workloads', () => {
  const match = compileRules([{ file: 'bench.yaml', text: RULES_YAML }]).match(request('GET', '/api/items'))

  it('has 10 active rules for the benchmarked request', () => {
    expect(match.rules).toHaveLength(10)
    expect(match.route).toBe('items')
  })

  it.each([1, 10, 100])('%i KB: the rules leave only the real change; without them the noise shows', (kb) => {
    const { primary, candidate } = makePair(kb)
    const p = json(primary)
    expect(p.body.length).toBeGreaterThan(kb * 1024 * 0.85)
    expect(p.body.length).toBeLessThan(kb * 1024 * 1.15)
    expect(compareResponses(p, json(candidate), match.policy)).toEqual([{ kind: 'body', ops: expectedOps(kb) }])
    expect(compareResponses(p, json(primary), match.policy)).toEqual([])
    const [raw] = compareResponses(p, json(candidate), DEFAULT_POLICY)
    expect(raw.kind === 'body' && 'ops' in raw ? raw.ops.length : 0).toBeGreaterThanOrEqual(5)
    expect(jsonPatch.compare(primary as object, candidate as object).length).toBeGreaterThanOrEqual(5)
  })
})

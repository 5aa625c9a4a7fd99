/**
 * Builds ComparePolicy values from rule YAML, the way the proxy gets them.
 */
import { compileRules } from '../../src/rules/load-rules.js'
import type { ComparePolicy } from '../../src/diff/policy.js'
import { request } from './responses.js'

/** The policy of one catch-all rule whose body is `yaml` (indented under `- `). */
export function policyOf(yaml: string): ComparePolicy {
  const text = 'rules:\n  - ' + yaml.trim().split('\n').join('\n    ') + '\n'
  return compileRules([{ file: 'test.yaml', text }]).match(request('GET', '/')).policy
}

import { describe, expect, it } from 'vitest'
import { compileRules } from '../../src/rules/load-rules.js'

describe('rule regexes', () => {
  it('refuses a pattern with catastrophic backtracking, naming file, line and key', () => {
    const text = "rules:\n  - text:\n      replace:\n        - { pattern: '(a+)+$', with: '' }\n"
    expect(() => compileRules([{ file: 'r.yaml', text }])).toThrow(/r\.yaml:4: rules\[0\]\.text\.replace\[0\]\.pattern: '\(a\+\)\+\$' may backtrack catastrophically/)
  })

  it('accepts ordinary patterns such as timestamps', () => {
    const text = "rules:\n  - text:\n      replace:\n        - { pattern: '\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z', with: '<time>' }\n"
    expect(compileRules([{ file: 'r.yaml', text }]).size).toBe(1)
  })
})

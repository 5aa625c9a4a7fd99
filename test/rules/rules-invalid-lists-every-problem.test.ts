import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkRules, compileRules, formatProblem } from '../../src/rules/load-rules.js'
import { RulesInvalid } from '../../src/errors.js'

const BAD = `rules:
  - name: volatile
    matchh: { path: /a }
    match:
      method: [GET, FETCH]
      path: api/users
      query: { page: { pattern: '(' } }
    ignore:
      headers: [x-request-id, 'bad header']
      body: [requestId, /a/~2]
    tolerance:
      /total: { abs: -1 }
      /ratio: {}
    keyed: { items: id }
    text: { replace: [{ pattern: '[' }], trim: yes please }
    compare: { headers: some }
  - 42
  - name: volatile
`

function problemsOf(text: string) {
  try {
    compileRules([{ file: 'rules/bad.yaml', text }])
  } catch (err) {
    expect(err).toBeInstanceOf(RulesInvalid)
    return (err as InstanceType<typeof RulesInvalid> & { problems: unknown[] }).message.split('\n').slice(1)
  }
  throw new Error('expected RulesInvalid')
}

describe('rule validation', () => {
  it('throws RulesInvalid listing every problem as file:line: key: message', () => {
    expect(problemsOf(BAD)).toEqual([
      "rules/bad.yaml:3: rules[0].matchh: unknown key; did you mean 'match'? expected one of: name, route, match, ignore, format, compare, unordered, keyed, tolerance, text",
      "rules/bad.yaml:5: rules[0].match.method[1]: 'FETCH' is not an HTTP method; expected one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE, CONNECT",
      "rules/bad.yaml:6: rules[0].match.path: 'api/users' must start with '/', e.g. /api/users/:id",
      "rules/bad.yaml:7: rules[0].match.query.page.pattern: '(' is not a valid regular expression for the linear-time engine (RE2): missing closing ): `(`; see docs/rules.md#regular-expressions",
      "rules/bad.yaml:9: rules[0].ignore.headers[1]: 'bad header' is not a valid header name (RFC 9110 §5.1 token)",
      "rules/bad.yaml:10: rules[0].ignore.body[0]: 'requestId' is not a JSON Pointer: expected '' (the whole document) or a path starting with '/', e.g. '/items/*/id'",
      "rules/bad.yaml:10: rules[0].ignore.body[1]: '/a/~2' has '~' at offset 3 not followed by 0 or 1: write '~0' for '~' and '~1' for '/' (RFC 6901 §4)",
      "rules/bad.yaml:12: rules[0].tolerance['/total'].abs: is the number -1; expected a finite number ≥ 0, e.g. 0.01",
      "rules/bad.yaml:13: rules[0].tolerance['/ratio']: is an empty map; expected 'abs' and/or 'rel', e.g. { abs: 0.01 }",
      "rules/bad.yaml:14: rules[0].keyed.items: 'items' is not a JSON Pointer: expected '' (the whole document) or a path starting with '/', e.g. '/items/*/id'",
      "rules/bad.yaml:15: rules[0].text.replace[0].pattern: '[' is not a valid regular expression for the linear-time engine (RE2): missing closing ]: `[`; see docs/rules.md#regular-expressions",
      "rules/bad.yaml:15: rules[0].text.trim: is 'yes please'; expected true or false",
      "rules/bad.yaml:16: rules[0].compare.headers: is 'some'; expected 'all' or a list of header names",
      'rules/bad.yaml:17: rules[1]: is the number 42; expected a map with keys such as name, match, ignore',
    ])
  })

  it('reports YAML syntax errors with their line', () => {
    expect(problemsOf('rules:\n  - name: a\n    name: b\n')).toEqual(['rules/bad.yaml:3: syntax error: Map keys must be unique'])
  })

  it('reports a wrong top level and duplicate names', () => {
    expect(problemsOf('- name: a\n')[0]).toBe("rules/bad.yaml:1: is a list; expected a map with a 'rules' list, e.g. rules: [{ name: ..., ignore: ... }]")
    expect(problemsOf('rules:\n  - name: a\n  - name: a\n')).toEqual([
      "rules/bad.yaml:3: rules[1].name: 'a' is already the name of the rule at rules/bad.yaml:2; expected unique names so reports and 'rules explain' can tell rules apart",
    ])
  })

  it('checkRules returns the same problems without throwing, [] for a valid file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-check-'))
    writeFileSync(join(dir, 'bad.yaml'), BAD)
    writeFileSync(join(dir, 'good.yaml'), 'rules:\n  - name: ok\n    ignore: { headers: [etag] }\n')
    const problems = checkRules(dir)
    expect(problems).toHaveLength(14)
    expect(formatProblem(problems[0])).toBe(`${join(dir, 'bad.yaml')}:3: rules[0].matchh: unknown key; did you mean 'match'? expected one of: name, route, match, ignore, format, compare, unordered, keyed, tolerance, text`)
    expect(checkRules(join(dir, 'good.yaml'))).toEqual([])
  })

  it('accepts YAML anchors and aliases, and checks what they point to', () => {
    const ok = 'rules:\n  - name: a\n    ignore: { body: &ids [/requestId] }\n  - name: b\n    ignore: { body: *ids }\n'
    expect(compileRules([{ file: 'a.yaml', text: ok }]).size).toBe(2)
    const bad = 'rules:\n  - name: a\n    route: &r 5\n  - name: b\n    route: *r\n'
    expect(problemsOf(bad)).toEqual([
      'rules/bad.yaml:3: rules[0].route: is the number 5; expected a non-empty route name that groups reports, e.g. users-by-id',
      'rules/bad.yaml:5: rules[1].route: is the number 5; expected a non-empty route name that groups reports, e.g. users-by-id',
    ])
  })

  it('keeps the basic format valid: name, match, ignore.headers, ignore.body', () => {
    const rs = compileRules([{ file: 'basic.yaml', text: 'rules:\n  - name: basic\n    match: { method: GET, path: /api/** }\n    ignore:\n      headers: [X-Request-Id]\n      body: [/requestId]\n' }])
    expect(rs.size).toBe(1)
  })
})

import { describe, expect, it } from 'vitest'
import { compileRules } from '../../src/rules/load-rules.js'
import { LinearRegex } from '../../src/rules/linear-regex.js'
import { normalizeText } from '../../src/diff/text-normalize.js'
import { request } from '../diff/responses.js'

// Issue 18, defect 10: rule regexes run on the proxy's event loop, so they
// are compiled by a linear-time engine (RE2, via re2js) instead of V8's
// backtracking one guarded by a heuristic (safe-regex2 let `^(\d|\w)+$`
// through: 4.2–4.7 s per request on 28 digits).

function problems(text: string): string[] {
  try {
    compileRules([{ file: 'r.yaml', text }])
  } catch (err) {
    return (err as Error).message.split('\n').slice(1)
  }
  return []
}

describe('rule regexes (linear-time engine)', () => {
  it('runs the pattern safe-regex2 missed in linear time: 50 000 digits and a mismatch well under a second', () => {
    const re = new LinearRegex('^(\\d|\\w)+$')
    const t0 = performance.now()
    expect(re.test('1'.repeat(50_000) + '!')).toBe(false)
    expect(re.test('1'.repeat(50_000))).toBe(true)
    const ms = performance.now() - t0
    // V8's engine needs ~1 s for 26 digits and doubles with every digit.
    expect(ms).toBeLessThan(1_000)
    // Backtracking doubles with every digit; linear time grows with the input:
    // four times the input is still well under a second.
    const t1 = performance.now()
    expect(re.test('1'.repeat(200_000) + '!')).toBe(false)
    expect(performance.now() - t1).toBeLessThan(1_000)
  })

  it('accepts nested quantifiers that used to be refused, and they stay linear', () => {
    expect(problems("rules:\n  - text:\n      replace:\n        - { pattern: '(a+)+$', with: '' }\n")).toEqual([])
    const t0 = performance.now()
    expect(new LinearRegex('(a+)+$').test('a'.repeat(50_000) + '!')).toBe(false)
    expect(performance.now() - t0).toBeLessThan(1_000)
  })

  it('refuses what RE2 cannot guarantee, with the reason, file:line and key', () => {
    const text = [
      'rules:',
      '  - match:',
      '      query:',
      "        a: { pattern: '(x)\\1' }",
      "        b: { pattern: 'x(?=y)' }",
      "        c: { pattern: '(?<!x)y' }",
      "        d: { pattern: 'x{1001}' }",
      '    text:',
      '      replace:',
      "        - { pattern: '(', with: '' }",
    ].join('\n')
    expect(problems(text)).toEqual([
      "r.yaml:4: rules[0].match.query.a.pattern: '(x)\\1' is not a valid regular expression for the linear-time engine (RE2): invalid escape sequence: `\\1` (backreferences are not supported by the linear-time engine); see docs/rules.md#regular-expressions",
      "r.yaml:5: rules[0].match.query.b.pattern: 'x(?=y)' is not a valid regular expression for the linear-time engine (RE2): invalid or unsupported Perl syntax: `(?=` (lookahead and lookbehind are not supported by the linear-time engine); see docs/rules.md#regular-expressions",
      expect.stringMatching(/^r\.yaml:6: rules\[0\]\.match\.query\.c\.pattern: '\(\?<!x\)y' is not a valid regular expression for the linear-time engine \(RE2\): .*lookahead and lookbehind are not supported/),
      "r.yaml:7: rules[0].match.query.d.pattern: 'x{1001}' is not a valid regular expression for the linear-time engine (RE2): invalid repeat count: `{1001}`; see docs/rules.md#regular-expressions",
      "r.yaml:10: rules[0].text.replace[0].pattern: '(' is not a valid regular expression for the linear-time engine (RE2): missing closing ): `(`; see docs/rules.md#regular-expressions",
    ])
  })

  it('keeps JavaScript spellings working: flags, \\u escapes, named groups and $ references in replacements', () => {
    const rs = compileRules([{ file: 'r.yaml', text: "rules:\n  - match: { query: { q: { pattern: '^\\u00e9t\\u00e9$' } } }\n    name: summer\n" }])
    expect(rs.match(request('GET', '/x?q=%C3%A9t%C3%A9')).rules).toEqual(['summer'])
    expect(rs.match(request('GET', '/x?q=hiver')).rules).toEqual([])
    const replace = [
      { pattern: new LinearRegex('(?<y>\\d{4})-(\\d\\d)', 'i'), replacement: '<$<y>/$2>' },
      { pattern: new LinearRegex('ID', 'i'), replacement: '$&$$' },
    ]
    expect(normalizeText('at 2024-05 id', { replace, trim: false, collapseWhitespace: false })).toBe('at <2024/05> id$')
  })
})

import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { stringify } from 'yaml'
import { compileRules } from '../../src/rules/load-rules.js'
import { ShadowdiffError } from '../../src/errors.js'
import type { RequestInfo } from '../../src/types.js'

const RUNS = Number(process.env.FUZZ_RUNS ?? 200)
// Per call: generous for a loaded 2-core machine, tiny next to a hang.
const MAX_MS = 1_000

/** Compiles, and when the rules are valid matches a few requests: returns 'valid' or 'invalid'. Any other throw fails. */
function compileAndMatch(text: string, requests: RequestInfo[] = [REQ], maxMs = MAX_MS): 'valid' | 'invalid' {
  const started = performance.now()
  try {
    const set = compileRules([{ file: 'fuzz.yaml', text }])
    for (const req of requests) {
      const m = set.match(req)
      expect(typeof m.route).toBe('string')
      expect(Array.isArray(m.rules)).toBe(true)
      expect(m.policy).toBeDefined()
    }
    return 'valid'
  } catch (err) {
    // The only acceptable failure: RulesInvalid, with file:line problems.
    if (!(err instanceof ShadowdiffError) || err.code !== 'SHD_RULES_INVALID') throw err
    const problems = (err as unknown as { problems: { file: string; line: number; message: string }[] }).problems
    expect(problems.length).toBeGreaterThan(0)
    for (const p of problems) {
      expect(p.file).toBe('fuzz.yaml')
      expect(p.message.length).toBeGreaterThan(0)
    }
    expect(err.message).toMatch(/fuzz\.yaml/)
    return 'invalid'
  } finally {
    expect(performance.now() - started).toBeLessThan(maxMs)
  }
}

const REQ: RequestInfo = { method: 'GET', url: '/api/users/1?page=2', path: '/api/users/1', query: 'page=2', headers: { 'x-test': 'a' } }

const requestArb = fc.record({
  method: fc.constantFrom('GET', 'POST', 'DELETE', 'PATCH', 'X'),
  path: fc.stringMatching(/^\/[a-z0-9/:*._~%-]{0,30}$/),
  query: fc.stringMatching(/^[a-z0-9=&%]{0,20}$/),
  header: fc.string({ maxLength: 10 }),
}).map(({ method, path, query, header }): RequestInfo => ({ method, path, query, url: query ? `${path}?${query}` : path, headers: { 'x-test': header } }))

// Fragments that make the parser and the validator work: keys, anchors, aliases, tags, flow and block syntax.
const FRAGMENTS = [
  'rules:', '- ', '  ', '\n', 'name: a', 'name: b', 'route: /r', 'match:', 'method: GET', 'method: [GET, POST]', 'path: /api/users/:id',
  'path: /a/*', 'query: { page: "2" }', 'header: { x-test: a }', 'ignore:', 'headers: [etag, date]', 'body: [/a/*/b, /**/id]',
  'compare:', 'headers: all', 'unordered: [/items]', 'keyed: { /items: id }', 'tolerance: { /price: { abs: 0.01 } }', 'text:',
  'replace: [{ pattern: "\\\\d+", with: N }]', 'trim: true', ':', '[', ']', '{', '}', ',', '"', "'", '&a ', '*a', '!!binary ', '<<: *a',
  '#', '---', '...', '|', '>', '? ', '~', 'null', '0x10', '1e999', '\t', '\u00a0', '\ufeff', '/**', '~1', '~0', '(', '[^', '\\',
]

const VALUES = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ maxLength: 12 }),
    fc.constantFrom('/a', '/a/*', '/**/x', '/items/0', 'GET', 'all', 'media-type', '(', '[', '\\d+', '', '~2'),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom('pattern', 'with', 'abs', 'rel', 'headers', 'body', 'query', 'page', 'x', '/a'), tie('value'), { maxKeys: 3 }),
  ),
})).value

const RULE_KEYS = ['name', 'route', 'match', 'ignore', 'compare', 'unordered', 'keyed', 'tolerance', 'text', 'typo']
const ruleArb = fc.dictionary(fc.constantFrom(...RULE_KEYS), VALUES, { maxKeys: 5 })

describe('fuzz: the rule parser', () => {
  it('random text: compiles or throws RulesInvalid, never anything else, never slowly', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (text) => void compileAndMatch(text)), { numRuns: RUNS })
  })

  it('YAML-ish fragments: compiles or throws RulesInvalid with file:line problems; valid sets match any request', () => {
    const textArb = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 40 }).map((parts) => parts.join(''))
    let valid = 0
    fc.assert(
      fc.property(textArb, fc.array(requestArb, { maxLength: 3 }), (text, reqs) => {
        if (compileAndMatch(text, [REQ, ...reqs]) === 'valid') valid++
      }),
      { numRuns: RUNS },
    )
    expect(valid).toBeGreaterThan(0) // the generator reaches the valid side too
  })

  it('random rule objects (as YAML and as JSON): compiles or throws RulesInvalid; valid sets match any request', () => {
    let valid = 0
    let invalid = 0
    fc.assert(
      fc.property(fc.array(ruleArb, { maxLength: 4 }), fc.boolean(), fc.array(requestArb, { maxLength: 3 }), (rules, asJson, reqs) => {
        const doc = { rules }
        const text = asJson ? JSON.stringify(doc) : stringify(doc)
        if (compileAndMatch(text, [REQ, ...reqs]) === 'valid') valid++
        else invalid++
      }),
      { numRuns: RUNS },
    )
    expect(valid).toBeGreaterThan(0)
    expect(invalid).toBeGreaterThan(0)
  })

  it('hostile YAML: alias bombs, deep nesting and huge scalars are refused or parsed quickly', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for (let i = 0; i < 9; i++) bomb.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)
    const cases = [
      bomb.join('\n') + '\nrules: [{ name: bomb, ignore: { headers: *j } }]',
      'rules: ' + '['.repeat(5_000) + ']'.repeat(5_000),
      'rules:\n' + Array.from({ length: 1_000 }, (_, i) => `  - name: r${i}\n    ignore: { headers: [h${i}] }`).join('\n'),
      `rules: [{ name: "${'x'.repeat(200_000)}" }]`,
      'rules: [{ name: a, match: { path: "/' + '(a+)+'.repeat(20) + '" } }]',
    ]
    // Bigger inputs, so a bigger bound (a hang would still fail it by far).
    for (const text of cases) compileAndMatch(text, [REQ, { ...REQ, path: '/' + 'a'.repeat(5_000), url: '/' + 'a'.repeat(5_000) }], 5_000)
  })
})

/**
 * Fuzz: whatever a rule file holds, loading either succeeds or throws
 * RulesInvalid with at least one `file:line: ...` problem; it never crashes
 * with another error and never hangs.
 */
import fc from 'fast-check'
import { stringify } from 'yaml'
import { describe, expect, it } from 'vitest'
import { compileRules } from '../../src/rules/load-rules.js'
import { RulesInvalid } from '../../src/errors.js'
import { request } from '../diff/responses.js'

const KEYS = ['rules', 'name', 'route', 'match', 'method', 'path', 'query', 'header', 'ignore', 'headers', 'body', 'compare', 'unordered', 'keyed', 'tolerance', 'abs', 'rel', 'text', 'replace', 'pattern', 'with', 'flags', 'trim', 'collapseWhitespace', '/items', 'all', 'GET']
const leaf = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, 1e-6, 'all', 'GET', '/a/:id', '/**', '/items/*/x', '[', '~2', '', '*', 'x-request-id'),
  fc.string({ maxLength: 12 }),
  fc.double(),
)
const tree = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('v'), { maxKeys: 5 }),
  ),
})).v
const ruleFile = fc.oneof(
  tree.map((rules) => ({ rules })),
  fc.array(tree, { maxLength: 4 }).map((rules) => ({ rules })),
  tree,
)

function load(text: string, file = 'fuzz.yaml'): void {
  try {
    const rs = compileRules([{ file, text }])
    // A valid set must also match and produce a policy without throwing.
    rs.match(request('GET', '/items/1?q=a', { accept: '*/*' }))
  } catch (err) {
    if (!(err instanceof RulesInvalid)) throw err
    expect(err.message).toMatch(new RegExp(`^Invalid rules:\\n${file.replace('.', '\\.')}(:\\d+)?: `))
  }
}

describe('rule parser fuzz', () => {
  it('random rule-shaped YAML and JSON never throw anything but RulesInvalid', () => {
    fc.assert(
      fc.property(ruleFile, (doc) => {
        load(stringify(doc))
        load(JSON.stringify(doc) ?? 'null', 'fuzz.json')
      }),
      { numRuns: 400 },
    )
  })

  it('random text never throws anything but RulesInvalid', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => load(text)),
      { numRuns: 400 },
    )
  })
})

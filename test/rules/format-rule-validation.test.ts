/**
 * `format: { headers, body }` is validated like `ignore`: every mistake is
 * reported with its file, line, key and what was expected.
 */
import { describe, expect, it } from 'vitest'
import { compileRules } from '../../src/rules/load-rules.js'
import { RulesInvalid } from '../../src/errors.js'
import { request } from '../diff/responses.js'

function problemsOf(text: string): string[] {
  try {
    compileRules([{ file: 'rules/f.yaml', text }])
  } catch (err) {
    expect(err).toBeInstanceOf(RulesInvalid)
    return (err as Error).message.split('\n').slice(1)
  }
  throw new Error('expected RulesInvalid')
}

describe('format rule validation', () => {
  it('reports a wrong type, a bad pointer, a bad header name, an unknown key and an empty map', () => {
    expect(
      problemsOf(`rules:
  - format: { body: /generatedAt }
  - format:
      body: [generatedAt, /a/~2, 7]
      headers: [etag, 'bad header', [x]]
  - format: { bodies: [/a], header: [etag] }
  - format: {}
  - format: [/a]
`),
    ).toEqual([
      "rules/f.yaml:2: rules[0].format.body: is '/generatedAt'; expected a list of JSON Pointers, e.g. [/requestId, /items/*/updatedAt]",
      "rules/f.yaml:4: rules[1].format.body[0]: 'generatedAt' is not a JSON Pointer: expected '' (the whole document) or a path starting with '/', e.g. '/items/*/id'",
      "rules/f.yaml:4: rules[1].format.body[1]: '/a/~2' has '~' at offset 3 not followed by 0 or 1: write '~0' for '~' and '~1' for '/' (RFC 6901 §4)",
      'rules/f.yaml:4: rules[1].format.body[2]: is the number 7; expected a JSON Pointer, e.g. /items/*/id',
      "rules/f.yaml:5: rules[1].format.headers[1]: 'bad header' is not a valid header name (RFC 9110 §5.1 token)",
      'rules/f.yaml:5: rules[1].format.headers[2]: is a list; expected a header name',
      "rules/f.yaml:6: rules[2].format.bodies: unknown key; expected one of: headers, body",
      "rules/f.yaml:6: rules[2].format.header: unknown key; did you mean 'headers'? expected one of: headers, body",
      "rules/f.yaml:7: rules[3].format: is an empty map; expected 'headers' and/or 'body', e.g. { body: [/generatedAt] }",
      'rules/f.yaml:8: rules[4].format: is a list; expected a map with headers and/or body lists, e.g. { body: [/generatedAt], headers: [etag] }',
    ])
  })

  it('compiles a valid rule: header names lower-cased, pointers united across rules', () => {
    const rs = compileRules([
      { file: 'a.yaml', text: 'rules:\n  - format: { headers: [ETag], body: [/t, "/items/*/id"] }\n  - format: { body: [/t, /u] }\n' },
    ])
    const policy = rs.match(request('GET', '/')).policy
    expect([...policy.formatHeaders]).toEqual(['etag'])
    expect(policy.formatBody.map((p) => p.source)).toEqual(['/t', '/items/*/id', '/u'])
  })
})

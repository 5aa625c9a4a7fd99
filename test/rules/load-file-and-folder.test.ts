import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { compileRules, loadRuleSet } from '../../src/rules/load-rules.js'
import { DEFAULT_POLICY } from '../../src/diff/default-policy.js'
import { request } from '../diff/responses.js'

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-rules-'))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

describe('loading rule files', () => {
  it('undefined gives an empty set whose policy is DEFAULT_POLICY', () => {
    const rs = loadRuleSet(undefined)
    expect(rs.size).toBe(0)
    const m = rs.match(request('GET', '/api/users/42'))
    expect(m).toEqual({ route: '/api/users/:id', rules: [], policy: DEFAULT_POLICY })
  })

  it('a folder loads .yaml, .yml and .json files in name order and skips the rest', () => {
    const dir = folder({
      'b.yml': 'rules:\n  - name: second\n',
      'a.yaml': 'rules:\n  - name: first\n',
      'c.json': '{\n\t"rules": [{ "name": "third", "ignore": { "headers": ["etag"] } }]\n}\n',
      'README.md': 'not rules',
      'notes.txt': 'rules: nonsense: [',
    })
    mkdirSync(join(dir, 'sub.yaml'))
    // A folder named *.yaml cannot be read as a file: reported, not crashed on.
    expect(() => loadRuleSet(dir)).toThrow(/sub\.yaml: cannot read the rule file/)
  })

  it('applies rules in file-name order', () => {
    const dir = folder({
      'b.yml': 'rules:\n  - name: second\n',
      'a.yaml': 'rules:\n  - name: first\n',
      'c.json': '{\n\t"rules": [{ "name": "third", "ignore": { "headers": ["etag"] } }]\n}\n',
    })
    const rs = loadRuleSet(dir)
    expect(rs.size).toBe(3)
    expect(rs.sources.map((s) => s.slice(dir.length + 1))).toEqual(['a.yaml', 'b.yml', 'c.json'])
    const m = rs.match(request('GET', '/'))
    expect(m.rules).toEqual(['first', 'second', 'third'])
    expect(m.policy.ignoreHeaders.has('etag')).toBe(true)
  })

  it('a single file loads on its own; a comment-only file is valid and empty', () => {
    const dir = folder({ 'one.yaml': 'rules:\n  - ignore: { body: [/requestId] }\n', 'empty.yaml': '# nothing yet\n' })
    const rs = loadRuleSet(join(dir, 'one.yaml'))
    expect(rs.match(request('GET', '/')).rules).toEqual(['one.yaml#0'])
    expect(loadRuleSet(join(dir, 'empty.yaml')).size).toBe(0)
  })

  it('a missing path is a RulesInvalid naming it', () => {
    expect(() => loadRuleSet('/nonexistent/rules.yaml')).toThrow(/\/nonexistent\/rules\.yaml: cannot read: .*ENOENT/)
  })

  it('compileRules is pure: compiling twice gives independent, equal sets', () => {
    const docs = [{ file: 'x.yaml', text: 'rules:\n  - match: { path: /a/:id }\n    ignore: { body: [/t] }\n' }]
    const a = compileRules(docs)
    const b = compileRules(docs)
    expect(a).not.toBe(b)
    expect(a.match(request('GET', '/a/1')).route).toBe(b.match(request('GET', '/a/1')).route)
  })
})

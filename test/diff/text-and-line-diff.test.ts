import { describe, expect, it } from 'vitest'
import { compareResponses } from '../../src/diff/compare-responses.js'
import { DEFAULT_POLICY } from '../../src/diff/default-policy.js'
import { unifiedDiff } from '../../src/diff/line-diff.js'
import { captured, text } from './responses.js'
import { policyOf } from './policies.js'

describe('text bodies', () => {
  it('reports a unified line diff', () => {
    const [d] = compareResponses(text('a\nb\nc\n'), text('a\nB\nc\n'), DEFAULT_POLICY)
    expect(d).toEqual({ kind: 'body', text: '--- primary\n+++ candidate\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n' })
  })

  it('applies replace, collapseWhitespace and trim before comparing', () => {
    const policy = policyOf(String.raw`text: { replace: [{ pattern: '\d{4}-\d\d-\d\dT[\d:.]+Z', with: '<time>' }], trim: true, collapseWhitespace: true }`)
    const a = '<html>\n  <p>Generated   at 2024-05-01T10:00:00Z</p>\n\n</html>\n'
    const b = '<html>\n<p>Generated at 2025-01-02T11:22:33.456Z</p>   \n</html>'
    expect(compareResponses(text(a, 'text/html'), text(b, 'text/html'), policy)).toEqual([])
    expect(compareResponses(text(a, 'text/html'), text(b, 'text/html'), DEFAULT_POLICY)).toHaveLength(1)
  })

  it('sniffs untyped UTF-8 bodies as text', () => {
    const [d] = compareResponses(captured('hello\n'), captured('world\n'), DEFAULT_POLICY)
    expect(d).toHaveProperty('text')
  })

  it('falls back to a text diff when a JSON-typed body does not parse', () => {
    const [d] = compareResponses(captured('{"a":1}', { 'content-type': 'application/json' }), captured('<h1>502</h1>', { 'content-type': 'application/json' }), DEFAULT_POLICY)
    expect(d).toHaveProperty('text')
  })
})

describe('unifiedDiff', () => {
  it('keeps far-apart changes in separate hunks with 3 lines of context', () => {
    const a = Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n') + '\n'
    const b = a.replace('l2\n', 'X\n').replace('l17\n', 'Y\n')
    const out = unifiedDiff(a, b)
    expect(out.match(/^@@/gm)).toHaveLength(2)
    expect(out).toContain('@@ -1,6 +1,6 @@\n l0\n l1\n-l2\n+X\n l3\n l4\n l5\n')
    expect(out).toContain('@@ -15,6 +15,6 @@\n')
  })

  it('finds a shortest edit script (Myers: ABCABBA → CBABAC is 5 edits)', () => {
    const out = unifiedDiff('A\nB\nC\nA\nB\nB\nA\n', 'C\nB\nA\nB\nA\nC\n')
    const edits = out.split('\n').filter((l) => /^[-+][A-C]$/.test(l))
    expect(edits).toHaveLength(5)
  })

  it('handles insertions into empty text and stays bounded on huge different texts', () => {
    expect(unifiedDiff('', 'a\n')).toBe('--- primary\n+++ candidate\n@@ -0,0 +1,1 @@\n+a\n')
    const a = Array.from({ length: 5000 }, (_, i) => 'a' + i).join('\n')
    const b = Array.from({ length: 5000 }, (_, i) => 'b' + i).join('\n')
    const t0 = Date.now()
    const out = unifiedDiff(a, b)
    expect(Date.now() - t0).toBeLessThan(3000)
    expect(out.split('\n').filter((l) => l.startsWith('-a')).length).toBe(5000)
  })
})

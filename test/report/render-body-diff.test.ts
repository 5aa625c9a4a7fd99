import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { diffLines, exampleDiff, inlineChange, prettyBody, sideBySide, splitLines, unifiedDiff } from '../../src/report/body-diff.js'
import { loadFixture } from './report-fixtures.js'

describe('body diff', () => {
  test('JSON is pretty-printed with sorted keys; truncated JSON and text are kept verbatim', () => {
    expect(prettyBody('{"b":1,"a":{"d":2,"c":[3]}}', 'application/json')).toEqual({
      text: '{\n  "a": {\n    "c": [\n      3\n    ],\n    "d": 2\n  },\n  "b": 1\n}',
      json: true,
    })
    // A body's own "__proto__" key is shown, not turned into a prototype.
    expect(prettyBody('{"__proto__":{"x":1},"a":1}', 'application/json').text).toContain('"__proto__"')
    expect(prettyBody('{"a":1,"b":', 'application/json')).toEqual({ text: '{"a":1,"b":', json: false })
    expect(prettyBody('hello', 'text/plain')).toEqual({ text: 'hello', json: false })
    expect(prettyBody(undefined)).toEqual({ text: '', json: false })
  })

  test('splitLines ignores one final newline and normalises CRLF', () => {
    expect(splitLines('a\r\nb\n')).toEqual(['a', 'b'])
    expect(splitLines('')).toEqual([])
    expect(splitLines('\n')).toEqual([''])
  })

  test('the line diff replays to both inputs and keeps a longest common subsequence', () => {
    const line = fc.constantFrom('a', 'b', 'c', '{', '}', '')
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.array(line, { maxLength: 30 }), (a, b) => {
        const d = diffLines(a, b)
        expect(d.filter((l) => l.op !== 'add').map((l) => l.text)).toEqual(a)
        expect(d.filter((l) => l.op !== 'del').map((l) => l.text)).toEqual(b)
        // Minimal: no removed line could have been kept instead (LCS length check on a brute-force bound).
        const kept = d.filter((l) => l.op === 'eq').length
        expect(kept).toBe(lcsLength(a, b))
      }),
      { numRuns: 300 },
    )
  })

  test('side by side pairs changed runs and folds long unchanged runs', () => {
    const a = Array.from({ length: 20 }, (_, i) => `line ${i}`)
    const b = [...a]
    b[10] = 'changed'
    const rows = sideBySide(diffLines(a, b))
    expect(rows[0]).toEqual({ kind: 'gap', hidden: 7 })
    const changed = rows.find((r) => r.kind === 'line' && r.left?.op === 'del')
    expect(changed).toEqual({ kind: 'line', left: { n: 11, text: 'line 10', op: 'del' }, right: { n: 11, text: 'changed', op: 'add' } })
    expect(rows.at(-1)).toEqual({ kind: 'gap', hidden: 6 })
    // A short unchanged run is shown, not folded.
    expect(sideBySide(diffLines(['x', 'a', 'b', 'y'], ['X', 'a', 'b', 'Y'])).some((r) => r.kind === 'gap')).toBe(false)
  })

  test('inline change marks only differing characters, and not for unrelated lines', () => {
    expect(inlineChange('"zip": "NW1 6XE"', '"zip": "NW16XE"')).toEqual({ prefix: '"zip": "NW1', a: ' ', b: '', suffix: '6XE"' })
    expect(inlineChange('  "id": "ord_81f2",', '  at computeTotal (x.js:1)')).toBeNull()
  })

  test('unified diff shows context, separators and a cut', () => {
    const a = Array.from({ length: 30 }, (_, i) => `l${i}`).join('\n')
    const b = a.replace('l2\n', 'L2\n').replace('l25', 'L25')
    expect(unifiedDiff(a, b)).toBe([' l0', ' l1', '-l2', '+L2', ' l3', ' l4', ' l5', '@@', ' l22', ' l23', ' l24', '-l25', '+L25', ' l26', ' l27', ' l28'].join('\n'))
    expect(unifiedDiff(a, a)).toBe('')
    expect(unifiedDiff(a, b, 0, 3)).toBe('@@\n-l2\n+L2\n@@ … 3 more diff lines not shown')
  })

  test('an example diff lists status, header, error and hash differences before the body', () => {
    const ex = loadFixture('failing').endpoints[1].examples[0]
    expect(exampleDiff(ex).split('\n').slice(0, 8)).toEqual([
      '@@ status', '-201', '+500', '@@ header content-type', '-application/json', '+text/plain', '@@ body', '-{',
    ])
    const hashed = loadFixture('failing').endpoints.find((e) => e.method === 'DELETE')!.examples[0]
    expect(exampleDiff(hashed)).toMatch(/^@@ body \(hashes of the full bodies\)\n-sha256 9f2c.* \(1048576 bytes\)\n\+sha256 0a1b.* \(1048612 bytes\)$/)
    expect(exampleDiff(ex, 4)).toBe('@@ status\n-201\n+500\n@@ header content-type\n@@ … 24 more lines in the HTML report')
  })
})

function lcsLength(a: string[], b: string[]): number {
  const t = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0))
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--) t[i][j] = a[i] === b[j] ? t[i + 1][j + 1] + 1 : Math.max(t[i + 1][j], t[i][j + 1])
  return t[0][0]
}

import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { redactJsonStream } from '../../src/store/json-redact-stream.js'
import { compileRedactor, REDACTED } from '../../src/store/redact.js'

// Issue 18, defect 9: the streaming tokenizer against full-body redaction
// (JSON.parse, then a walk) on complete bodies, and on every prefix of a
// body: no value under a redacted path may survive, whatever the cut.

const POINTERS = ['/token', '/**/password', '/credentials/*', '/a/*/secret', '/list/**']
const redactor = compileRedactor({ bodyPointers: POINTERS })
const KEYS = ['token', 'password', 'credentials', 'a', 'b', 'secret', 'list', 'name', 'x']

/** The same matcher the Redactor compiles (`*` one token, `**` any depth). */
function matches(path: readonly string[]): boolean {
  return POINTERS.some((p) => match(p.slice(1).split('/'), 0, path, 0))
}
function match(p: string[], pi: number, path: readonly string[], ti: number): boolean {
  if (pi === p.length) return ti === path.length
  if (p[pi] === '**') {
    for (let k = ti; k <= path.length; k++) if (match(p, pi + 1, path, k)) return true
    return false
  }
  return ti < path.length && (p[pi] === '*' || p[pi] === path[ti]) && match(p, pi + 1, path, ti + 1)
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }

// Visible values: lowercase letters and small numbers. Secrets are placed
// below with 'Q' strings and 31337… numbers, which nothing visible contains.
const leaf = fc.oneof(fc.constant(null), fc.boolean(), fc.integer({ min: 0, max: 99 }), fc.stringMatching(/^[a-z {}[\],:"\\]{0,6}$/))
const tree: fc.Arbitrary<Json> = fc.letrec<{ v: Json }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('v'), { maxKeys: 4 }),
  ),
})).v

/** Replaces every leaf under a redacted path by a recognisable secret. */
function plantSecrets(v: Json, path: string[] = [], n = { i: 0 }, under = false): Json {
  const secret = under || matches(path)
  if (Array.isArray(v)) return v.map((x, i) => plantSecrets(x, [...path, String(i)], n, secret))
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plantSecrets(x, [...path, k], n, secret)]))
  if (!secret) return v
  n.i++
  return n.i % 2 === 0 ? `QSECRET${n.i}` : 31337000 + n.i
}

/** JSON text with random whitespace and keys randomly written with \u escapes. */
function serialize(v: Json, rnd: () => number): string {
  const ws = () => [' ', '', '\n  ', '\t'][Math.floor(rnd() * 4)]
  if (Array.isArray(v)) return `[${ws()}${v.map((x) => serialize(x, rnd)).join(`,${ws()}`)}${ws()}]`
  if (v !== null && typeof v === 'object') {
    const key = (k: string) => '"' + [...k].map((ch) => (rnd() < 0.3 ? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}` : ch)).join('') + '"'
    return `{${ws()}${Object.entries(v).map(([k, x]) => `${key(k)}${ws()}:${ws()}${serialize(x, rnd)}`).join(`,${ws()}`)}${ws()}}`
  }
  return JSON.stringify(v)
}

const body = fc.tuple(tree, fc.integer()).map(([v, seed]) => {
  let s = seed
  const rnd = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
  const planted = plantSecrets(v)
  return { value: planted, text: serialize(planted, rnd) }
})

function leaks(text: string): boolean {
  return /Q|31337/.test(text)
}

describe('streaming JSON redaction (json-redact-stream.ts)', () => {
  it('on complete bodies, equals full-body redaction (JSON.parse and walk), and keeps valid JSON', () => {
    fc.assert(
      fc.property(body, ({ text }) => {
        const streamed = redactJsonStream(text, matches)
        expect(streamed.complete).toBe(true)
        const full = JSON.parse(redactor.body(Buffer.from(text), 'application/json').toString())
        expect(JSON.parse(streamed.text)).toEqual(full)
        expect(leaks(streamed.text)).toBe(false)
      }),
      { numRuns: 400 },
    )
  })

  it('on every prefix of a body, no redacted value survives, not even its first characters', () => {
    let withSecrets = 0
    fc.assert(
      fc.property(body, ({ text }) => {
        if (leaks(text)) withSecrets++
        for (let cut = 0; cut <= text.length; cut++) {
          const prefix = text.slice(0, cut)
          const out = redactJsonStream(prefix, matches).text
          if (leaks(out)) throw new Error(`prefix ${JSON.stringify(prefix)} gave ${JSON.stringify(out)}`)
          // What is kept is the prefix as written, up to where values were replaced.
          const store = redactor.body(Buffer.from(prefix), 'application/json').toString()
          if (leaks(store)) throw new Error(`stored ${JSON.stringify(store)} for ${JSON.stringify(prefix)}`)
        }
      }),
      { numRuns: 300 },
    )
    // The generator must actually plant secrets for the property to mean anything.
    expect(withSecrets).toBeGreaterThan(60)
  })

  it('covers the four gaps the probe found, in a body cut at the cap', () => {
    const cases: [string, string][] = [
      ['{"id":1,"token": ["s1", "s2"], "pad": "xxxx', '{"id":1,"token": "[REDACTED]", "pad": "xxxx'],
      ['{"id":1,"token": {"v": "s"}, "pad": "x', '{"id":1,"token": "[REDACTED]", "pad": "x'],
      ['{"pass\\u0077ord": "s3cret", "pad": "x', '{"pass\\u0077ord": "[REDACTED]", "pad": "x'],
      ['{"credentials": {"aws": "AKIA", "gcp": {"k": 1}}, "pad": [1, 2', '{"credentials": {"aws": "[REDACTED]", "gcp": "[REDACTED]"}, "pad": [1, 2'],
      ['{"token": 12345', '{"token": "[REDACTED]"'],
      ['{"token": "abc', '{"token": "[REDACTED]"'],
      ['{"tok', '{'],
    ]
    for (const [input, expected] of cases) expect(redactJsonStream(input, matches).text, input).toBe(expected)
    expect(REDACTED).toBe('[REDACTED]')
  })

  it('cuts at the first byte that is not JSON, keeping only what it understood', () => {
    expect(redactJsonStream('{"a": 1} trailing {"token": "s"}', matches)).toEqual({ text: '{"a": 1} ', complete: false })
    expect(redactJsonStream('{"a": nope, "token": "s"}', matches).text).not.toContain('"s"')
    expect(redactJsonStream('{"a" 1, "token": "s"}', matches).text).toBe('{"a" ')
  })
})

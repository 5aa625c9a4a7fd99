/**
 * Readers for the parts of one rule (`match`, `ignore`, `format`, `compare`,
 * `keyed`, `tolerance`, `text`). Each reports its problems through the NodeReader
 * and fills the rule draft with compiled values.
 */
import { isMap, isScalar } from 'yaml'
import type { Condition, RuleSpec } from './rule-spec.js'
import { describe, join } from './node-reader.js'
import type { AnyNode, NodeReader } from './node-reader.js'
import { LinearRegex } from './linear-regex.js'
import { compilePathPattern, pathPatternProblem } from './path-pattern.js'
import { compilePointer, pointerProblem } from '../diff/pointer-pattern.js'
import type { PointerPattern } from '../diff/policy.js'

const MATCH_KEYS = ['method', 'path', 'query', 'header']
const IGNORE_KEYS = ['headers', 'body', 'query']
const FORMAT_KEYS = ['headers', 'body']
const TEXT_KEYS = ['replace', 'trim', 'collapseWhitespace']
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']
// RFC 9110 §5.6.2 token characters.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

export type TextDraft = { replace: { pattern: LinearRegex; replacement: string }[]; trim?: boolean; collapseWhitespace?: boolean }
/** A RuleSpec being filled in. */
export type Draft = { -readonly [K in keyof RuleSpec]: RuleSpec[K] } & {
  query: Condition[]
  header: Condition[]
  keyed: RuleSpec['keyed'][number][]
  tolerance: RuleSpec['tolerance'][number][]
  text: TextDraft
}

export function readIgnore(r: NodeReader, node: AnyNode, key: string, rule: Draft): void {
  for (const [what, , v] of r.entries(node, key, IGNORE_KEYS, 'a map with headers, body and/or query lists')) {
    const k = join(key, what)
    if (what === 'headers') rule.ignoreHeaders = headerNames(r, v, k)
    else if (what === 'body') rule.ignoreBody = readPointers(r, v, k)
    else rule.ignoreQuery = strings(r, v, k, 'a list of query parameter names, e.g. [cacheBust]')
  }
}

/** `format: { headers: [...], body: [...] }`: compared by format only (src/diff/format-compare.ts). */
export function readFormat(r: NodeReader, node: AnyNode, key: string, rule: Draft): void {
  const entries = r.entries(node, key, FORMAT_KEYS, 'a map with headers and/or body lists, e.g. { body: [/generatedAt], headers: [etag] }')
  const resolved = r.resolve(node)
  if (isMap(resolved) && resolved.items.length === 0) r.problem(node, key, "is an empty map; expected 'headers' and/or 'body', e.g. { body: [/generatedAt] }")
  for (const [what, , v] of entries) {
    const k = join(key, what)
    if (what === 'headers') rule.formatHeaders = headerNames(r, v, k, 'a list of header names compared by format, e.g. [etag, date]')
    else rule.formatBody = readPointers(r, v, k)
  }
}

export function readCompare(r: NodeReader, node: AnyNode, key: string, rule: Draft): void {
  for (const [, , v] of r.entries(node, key, ['headers'], "a map with 'headers'")) {
    const resolved = r.resolve(v)
    if (isScalar(resolved) && resolved.value === 'all') rule.compareHeaders = 'all'
    else rule.compareHeaders = headerNames(r, v, join(key, 'headers'), "'all' or a list of header names")
  }
}

export function readKeyed(r: NodeReader, node: AnyNode, key: string): Draft['keyed'] {
  const out: Draft['keyed'] = []
  for (const [ptr, keyNode, v] of r.entries(node, key, null, 'a map from array pointer to key field, e.g. { /items: id }')) {
    const pointer = readPointer(r, ptr, keyNode, join(key, ptr))
    const field = r.string(v, join(key, ptr), "the name of the field that identifies an element, e.g. 'id'")
    if (pointer && field !== undefined) out.push({ pointer, key: field })
  }
  return out
}

export function readTolerance(r: NodeReader, node: AnyNode, key: string): Draft['tolerance'] {
  const out: Draft['tolerance'] = []
  for (const [ptr, keyNode, v] of r.entries(node, key, null, 'a map from number pointer to { abs, rel }, e.g. { /total: { abs: 0.01 } }')) {
    const k = join(key, ptr)
    const pointer = readPointer(r, ptr, keyNode, k)
    const tol: { abs?: number; rel?: number } = {}
    const entries = r.entries(v, k, ['abs', 'rel'], "a map with 'abs' and/or 'rel', e.g. { abs: 0.01 }")
    for (const [which, , n] of entries) tol[which as 'abs' | 'rel'] = r.nonNegative(n, join(k, which))
    if (entries.length === 0 && isMap(r.resolve(v))) r.problem(v, k, "is an empty map; expected 'abs' and/or 'rel', e.g. { abs: 0.01 }")
    if (pointer && (tol.abs !== undefined || tol.rel !== undefined)) out.push({ pointer, ...tol })
  }
  return out
}

export function readMatch(r: NodeReader, node: AnyNode, key: string, rule: Draft): void {
  for (const [name, , value] of r.entries(node, key, MATCH_KEYS, 'a map with method, path, query and/or header')) {
    const k = join(key, name)
    if (name === 'method') {
      const methods = new Set<string>()
      r.items(value, k, `a method or a list of methods (${METHODS.join(', ')})`, true).forEach((item, i) => {
        const kk = `${k}[${i}]`
        const m = r.string(item, kk, `an HTTP method (${METHODS.join(', ')})`)
        if (m === undefined) return
        if (!METHODS.includes(m.toUpperCase())) r.problem(item, kk, `'${m}' is not an HTTP method; expected one of ${METHODS.join(', ')}`)
        else methods.add(m.toUpperCase())
      })
      rule.methods = methods
    } else if (name === 'path') {
      const p = r.string(value, k, 'a path pattern, e.g. /api/users/:id')
      if (p === undefined) continue
      const problem = pathPatternProblem(p)
      if (problem) r.problem(value, k, problem)
      else rule.path = compilePathPattern(p)
    } else {
      const isHeader = name === 'header'
      for (const [param, keyNode, v] of r.entries(value, k, null, `a map from ${isHeader ? 'header' : 'parameter'} name to a condition`)) {
        if (isHeader && !HEADER_NAME.test(param)) r.problem(keyNode, join(k, param), `'${param}' is not a valid header name`)
        const cond = condition(r, v, join(k, param), isHeader ? param.toLowerCase() : param)
        if (cond) (isHeader ? rule.header : rule.query).push(cond)
      }
    }
  }
}

/** A condition: a text or number (exact value), true (present), false (absent) or { pattern }. */
function condition(r: NodeReader, node: AnyNode, key: string, name: string): Condition | undefined {
  node = r.resolve(node)
  const expected = "a value to equal, true (present), false (absent) or { pattern: '<regex>' }"
  if (isScalar(node) && node.value !== null) {
    const v = node.value
    if (typeof v === 'boolean') return { name, test: (x) => (x !== undefined) === v }
    const want = String(v)
    return { name, test: (x) => x === want }
  }
  if (isMap(node)) {
    const entries = r.entries(node, key, ['pattern'], expected)
    if (entries.length === 0) r.problem(node, key, `is an empty map; expected ${expected}`)
    for (const [, , v] of entries) {
      const re = regex(r, v, join(key, 'pattern'), '')
      if (re) return { name, test: (x) => x !== undefined && re.test(x) }
    }
    return undefined
  }
  r.problem(node, key, `is ${describe(node)}; expected ${expected}`)
  return undefined
}

export function readText(r: NodeReader, node: AnyNode, key: string, text: TextDraft): void {
  for (const [name, , value] of r.entries(node, key, TEXT_KEYS, 'a map with replace, trim and/or collapseWhitespace')) {
    const k = join(key, name)
    if (name === 'trim') text.trim = r.boolean(value, k)
    else if (name === 'collapseWhitespace') text.collapseWhitespace = r.boolean(value, k)
    else {
      r.items(value, k, "a list of { pattern, with }, e.g. [{ pattern: '\\d+', with: '<n>' }]").forEach((item, i) => {
        const kk = `${k}[${i}]`
        let pattern: LinearRegex | undefined
        let replacement = ''
        let flags = ''
        let patternNode: AnyNode
        const entries = r.entries(item, kk, ['pattern', 'with', 'flags'], "a map { pattern: '<regex>', with: '<text>' }")
        for (const [what, , v] of entries) {
          if (what === 'flags') {
            const f = r.string(v, join(kk, what), "regex flags from 'imsu', e.g. i")
            if (f !== undefined && !/^[imsu]*$/.test(f)) r.problem(v, join(kk, what), `'${f}' has flags outside 'imsu' ('g' is always on)`)
            else if (f !== undefined) flags = f
          } else if (what === 'with') {
            const v2 = r.resolve(v)
            if (isScalar(v2) && (typeof v2.value === 'string' || typeof v2.value === 'number')) replacement = String(v2.value)
            else if (!(isScalar(v2) && v2.value === null)) r.problem(v, join(kk, what), "is not text; expected the replacement text, e.g. '<time>' ('' to delete)")
          } else patternNode = v
        }
        if (entries.length > 0 && !entries.some(([w]) => w === 'pattern')) r.problem(item, kk, "has no 'pattern'; expected { pattern: '<regex>', with: '<text>' }")
        if (patternNode !== undefined) pattern = regex(r, patternNode, join(kk, 'pattern'), flags)
        if (pattern) text.replace.push({ pattern, replacement })
      })
    }
  }
}

/**
 * Compiles a rule regex with the linear-time engine (linear-regex.ts): rules
 * run on the proxy's event loop, so no pattern may take more than linear
 * time on any input. A pattern the engine cannot compile (backreferences,
 * lookaround, bad syntax) is refused with its reason.
 */
function regex(r: NodeReader, node: AnyNode, key: string, flags: string): LinearRegex | undefined {
  const source = r.string(node, key, 'a regular expression (RE2 syntax: no backreferences or lookaround)')
  if (source === undefined) return undefined
  try {
    return new LinearRegex(source, flags)
  } catch (err) {
    r.problem(node, key, `'${source}' is not a valid regular expression for the linear-time engine (RE2): ${(err as Error).message}; see docs/rules.md#regular-expressions`)
    return undefined
  }
}

function strings(r: NodeReader, node: AnyNode, key: string, what: string): string[] {
  const out: string[] = []
  r.items(node, key, what).forEach((item, i) => {
    const s = r.string(item, `${key}[${i}]`, 'a non-empty name')
    if (s !== undefined) out.push(s)
  })
  return out
}

function headerNames(r: NodeReader, node: AnyNode, key: string, what = 'a list of header names, e.g. [x-request-id, etag]'): string[] {
  const out: string[] = []
  r.items(node, key, what).forEach((item, i) => {
    const kk = `${key}[${i}]`
    const s = r.string(item, kk, 'a header name')
    if (s === undefined) return
    if (!HEADER_NAME.test(s)) r.problem(item, kk, `'${s}' is not a valid header name (RFC 9110 §5.1 token)`)
    else out.push(s.toLowerCase())
  })
  return out
}

export function readPointers(r: NodeReader, node: AnyNode, key: string): PointerPattern[] {
  const out: PointerPattern[] = []
  r.items(node, key, 'a list of JSON Pointers, e.g. [/requestId, /items/*/updatedAt]').forEach((item, i) => {
    const kk = `${key}[${i}]`
    const resolved = r.resolve(item)
    // `''` (the whole document) is a valid pointer but a plain string reader rejects it.
    const s = isScalar(resolved) && resolved.value === '' ? '' : r.string(item, kk, 'a JSON Pointer, e.g. /items/*/id')
    if (s === undefined) return
    const p = readPointer(r, s, item, kk)
    if (p) out.push(p)
  })
  return out
}

function readPointer(r: NodeReader, source: string, node: AnyNode, key: string): PointerPattern | undefined {
  const problem = pointerProblem(source)
  if (problem) {
    r.problem(node, key, problem)
    return undefined
  }
  return compilePointer(source)
}

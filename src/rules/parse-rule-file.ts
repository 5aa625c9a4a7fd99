/**
 * Reads one rule file (YAML, or JSON, which the YAML parser reads too, with
 * the same line numbers) into validated RuleSpecs plus every problem found.
 */
import { basename } from 'node:path'
import { LineCounter, isMap, isScalar, parseDocument } from 'yaml'
import type { RuleProblem } from './types.js'
import type { Condition, RuleSpec } from './rule-spec.js'
import { NodeReader, describe, join } from './node-reader.js'
import type { AnyNode } from './node-reader.js'
import { compilePathPattern, pathPatternProblem } from './path-pattern.js'
import { compilePointer, pointerProblem } from '../diff/pointer-pattern.js'
import type { PointerPattern } from '../diff/policy.js'

const RULE_KEYS = ['name', 'route', 'match', 'ignore', 'compare', 'unordered', 'keyed', 'tolerance', 'text']
const MATCH_KEYS = ['method', 'path', 'query', 'header']
const IGNORE_KEYS = ['headers', 'body', 'query']
const TEXT_KEYS = ['replace', 'trim', 'collapseWhitespace']
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']
// RFC 9110 §5.6.2 token characters.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

export interface ParsedFile {
  rules: RuleSpec[]
  problems: RuleProblem[]
}

/**
 * Parses and validates one file's text. Never throws: syntax errors and
 * schema mistakes all come back in `problems`.
 */
export function parseRuleFile(file: string, text: string): ParsedFile {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false })
  const r = new NodeReader(file, doc, lines)
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const message = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')
      r.problems.push({ file, line: lines.linePos(e.pos[0]).line, key: '', message: `syntax error: ${message}` })
    }
    return { rules: [], problems: r.problems }
  }
  // A file holding only comments is a valid, empty rule file.
  if (doc.contents === null) return { rules: [], problems: [] }
  const rules: RuleSpec[] = []
  const top = r.entries(doc.contents, '', ['rules'], "a map with a 'rules' list, e.g. rules: [{ name: ..., ignore: ... }]")
  for (const [, keyNode, value] of top) {
    const items = r.items(value, 'rules', 'a list of rules, each a map')
    items.forEach((item, index) => {
      const rule = readRule(r, item, index, basename(file), r.line(keyNode))
      if (rule) rules.push(rule)
    })
  }
  return { rules, problems: r.problems }
}

type TextDraft = { replace: { pattern: RegExp; replacement: string }[]; trim?: boolean; collapseWhitespace?: boolean }
type Draft = { -readonly [K in keyof RuleSpec]: RuleSpec[K] } & {
  query: Condition[]
  header: Condition[]
  keyed: RuleSpec['keyed'][number][]
  tolerance: RuleSpec['tolerance'][number][]
  text: TextDraft
}

function readRule(r: NodeReader, node: AnyNode, index: number, base: string, fallbackLine: number): RuleSpec | undefined {
  const key = `rules[${index}]`
  const before = r.problems.length
  const rule: Draft = {
    name: `${base}#${index}`,
    file: r.file,
    index,
    line: r.line(node) || fallbackLine,
    query: [],
    header: [],
    ignoreHeaders: [],
    ignoreBody: [],
    ignoreQuery: [],
    unordered: [],
    keyed: [],
    tolerance: [],
    text: { replace: [] },
  }
  for (const [name, , value] of r.entries(node, key, RULE_KEYS, 'a map with keys such as name, match, ignore')) {
    const k = join(key, name)
    switch (name) {
      case 'name': {
        const v = r.string(value, k, 'a non-empty rule name')
        if (v !== undefined) rule.name = v
        break
      }
      case 'route': {
        rule.route = r.string(value, k, 'a non-empty route name that groups reports, e.g. users-by-id')
        break
      }
      case 'match':
        readMatch(r, value, k, rule)
        break
      case 'ignore':
        for (const [what, , v] of r.entries(value, k, IGNORE_KEYS, 'a map with headers, body and/or query lists')) {
          const kk = join(k, what)
          if (what === 'headers') rule.ignoreHeaders = headerNames(r, v, kk)
          else if (what === 'body') rule.ignoreBody = pointers(r, v, kk)
          else rule.ignoreQuery = strings(r, v, kk, 'a list of query parameter names, e.g. [cacheBust]')
        }
        break
      case 'compare':
        for (const [, , v] of r.entries(value, k, ['headers'], "a map with 'headers'")) {
          const kk = join(k, 'headers')
          const resolved = r.resolve(v)
          if (isScalar(resolved) && resolved.value === 'all') rule.compareHeaders = 'all'
          else rule.compareHeaders = headerNames(r, v, kk, "'all' or a list of header names")
        }
        break
      case 'unordered':
        rule.unordered = pointers(r, value, k)
        break
      case 'keyed':
        for (const [ptr, keyNode, v] of r.entries(value, k, null, "a map from array pointer to key field, e.g. { /items: id }")) {
          const pointer = pointer_(r, ptr, keyNode, join(k, ptr))
          const field = r.string(v, join(k, ptr), "the name of the field that identifies an element, e.g. 'id'")
          if (pointer && field !== undefined) rule.keyed.push({ pointer, key: field })
        }
        break
      case 'tolerance':
        for (const [ptr, keyNode, v] of r.entries(value, k, null, 'a map from number pointer to { abs, rel }, e.g. { /total: { abs: 0.01 } }')) {
          const kk = join(k, ptr)
          const pointer = pointer_(r, ptr, keyNode, kk)
          const tol: { abs?: number; rel?: number } = {}
          const entries = r.entries(v, kk, ['abs', 'rel'], "a map with 'abs' and/or 'rel', e.g. { abs: 0.01 }")
          for (const [which, , n] of entries) tol[which as 'abs' | 'rel'] = r.nonNegative(n, join(kk, which))
          if (entries.length === 0 && isMap(r.resolve(v))) {
            r.problem(v, kk, "is an empty map; expected 'abs' and/or 'rel', e.g. { abs: 0.01 }")
          }
          if (pointer && (tol.abs !== undefined || tol.rel !== undefined)) rule.tolerance.push({ pointer, ...tol })
        }
        break
      case 'text':
        readText(r, value, k, rule.text)
        break
    }
  }
  return r.problems.length === before ? rule : undefined
}

function readMatch(r: NodeReader, node: AnyNode, key: string, rule: Draft): void {
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

function readText(r: NodeReader, node: AnyNode, key: string, text: TextDraft): void {
  for (const [name, , value] of r.entries(node, key, TEXT_KEYS, 'a map with replace, trim and/or collapseWhitespace')) {
    const k = join(key, name)
    if (name === 'trim') text.trim = r.boolean(value, k)
    else if (name === 'collapseWhitespace') text.collapseWhitespace = r.boolean(value, k)
    else {
      r.items(value, k, "a list of { pattern, with }, e.g. [{ pattern: '\\d+', with: '<n>' }]").forEach((item, i) => {
        const kk = `${k}[${i}]`
        let pattern: RegExp | undefined
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

function regex(r: NodeReader, node: AnyNode, key: string, flags: string): RegExp | undefined {
  const source = r.string(node, key, 'a regular expression (JavaScript syntax)')
  if (source === undefined) return undefined
  try {
    return new RegExp(source, 'g' + flags)
  } catch (err) {
    r.problem(node, key, `'${source}' is not a valid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, '')}`)
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

function pointers(r: NodeReader, node: AnyNode, key: string): PointerPattern[] {
  const out: PointerPattern[] = []
  r.items(node, key, 'a list of JSON Pointers, e.g. [/requestId, /items/*/updatedAt]').forEach((item, i) => {
    const kk = `${key}[${i}]`
    const resolved = r.resolve(item)
    // `''` (the whole document) is a valid pointer but a plain string reader rejects it.
    const s = isScalar(resolved) && resolved.value === '' ? '' : r.string(item, kk, 'a JSON Pointer, e.g. /items/*/id')
    if (s === undefined) return
    const p = pointer_(r, s, item, kk)
    if (p) out.push(p)
  })
  return out
}

function pointer_(r: NodeReader, source: string, node: AnyNode, key: string): PointerPattern | undefined {
  const problem = pointerProblem(source)
  if (problem) {
    r.problem(node, key, problem)
    return undefined
  }
  return compilePointer(source)
}

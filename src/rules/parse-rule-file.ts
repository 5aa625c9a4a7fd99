/**
 * Reads one rule file (YAML, or JSON, which the YAML parser reads too, with
 * the same line numbers) into validated RuleSpecs plus every problem found.
 */
import { basename } from 'node:path'
import { LineCounter, parseDocument } from 'yaml'
import type { RuleProblem } from './types.js'
import type { RuleSpec } from './rule-spec.js'
import { NodeReader, join } from './node-reader.js'
import type { AnyNode } from './node-reader.js'
import { readCompare, readFormat, readIgnore, readKeyed, readMatch, readPointers, readText, readTolerance } from './read-rule-fields.js'
import type { Draft } from './read-rule-fields.js'

const RULE_KEYS = ['name', 'route', 'match', 'ignore', 'format', 'compare', 'unordered', 'keyed', 'tolerance', 'text']

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
    formatHeaders: [],
    formatBody: [],
    unordered: [],
    keyed: [],
    tolerance: [],
    text: { replace: [] },
  }
  for (const [name, , value] of r.entries(node, key, RULE_KEYS, 'a map with keys such as name, match, ignore')) {
    const k = join(key, name)
    if (name === 'name') rule.name = r.string(value, k, 'a non-empty rule name') ?? rule.name
    else if (name === 'route') rule.route = r.string(value, k, 'a non-empty route name that groups reports, e.g. users-by-id')
    else if (name === 'match') readMatch(r, value, k, rule)
    else if (name === 'ignore') readIgnore(r, value, k, rule)
    else if (name === 'format') readFormat(r, value, k, rule)
    else if (name === 'compare') readCompare(r, value, k, rule)
    else if (name === 'unordered') rule.unordered = readPointers(r, value, k)
    else if (name === 'keyed') rule.keyed = readKeyed(r, value, k)
    else if (name === 'tolerance') rule.tolerance = readTolerance(r, value, k)
    else readText(r, value, k, rule.text)
  }
  // A rule with any problem is left out: the load fails anyway, and the
  // remaining rules are still checked (duplicate names and so on).
  return r.problems.length === before ? rule : undefined
}

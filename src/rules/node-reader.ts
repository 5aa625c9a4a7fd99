/**
 * Typed reads from a parsed YAML (or JSON) document that never throw: every
 * mismatch becomes a RuleProblem carrying the file, the line of the offending
 * node and the key path, and reading carries on so that one run reports
 * every mistake in a file, not just the first.
 */
import { isAlias, isMap, isScalar, isSeq } from 'yaml'
import type { Document, LineCounter, Node, YAMLMap, YAMLSeq } from 'yaml'
import type { RuleProblem } from './types.js'

export type AnyNode = Node | null | undefined

export class NodeReader {
  readonly file: string
  readonly problems: RuleProblem[] = []
  readonly #lines: LineCounter
  readonly #doc: Document

  constructor(file: string, doc: Document, lines: LineCounter) {
    this.file = file
    this.#doc = doc
    this.#lines = lines
  }

  /** 1-based line of a node (0 when it has no position). */
  line(node: AnyNode): number {
    const offset = node?.range?.[0]
    return offset === undefined ? 0 : this.#lines.linePos(offset).line
  }

  problem(node: AnyNode, key: string, message: string, fallbackLine = 0): void {
    this.problems.push({ file: this.file, line: this.line(node) || fallbackLine, key, message })
  }

  /** Follows YAML aliases (`*anchor`) to the node they name. */
  resolve(node: AnyNode): AnyNode {
    return isAlias(node) ? (node.resolve(this.#doc) as AnyNode) : node
  }

  /**
   * The entries of a map, as [key, key node, value node]. Reports a node that
   * is not a map, non-string keys and keys outside `allowed` (with the
   * closest allowed key when one is near, e.g. a typo).
   */
  entries(node: AnyNode, key: string, allowed: readonly string[] | null, what: string): [string, Node, AnyNode][] {
    // Problems point at the alias itself, not at its anchor.
    const at = node
    node = this.resolve(node)
    if (!isMap(node)) {
      this.problem(at, key, `is ${describe(node)}; expected ${what}`)
      return []
    }
    const out: [string, Node, AnyNode][] = []
    for (const pair of (node as YAMLMap<unknown, unknown>).items) {
      const k = pair.key as AnyNode
      const name = isScalar(k) ? String(k.value) : undefined
      if (name === undefined || (isScalar(k) && typeof k.value !== 'string' && typeof k.value !== 'number')) {
        this.problem(k, key, `has a key that is ${describe(k)}; expected plain text keys`)
        continue
      }
      if (allowed && !allowed.includes(name)) {
        const near = closest(name, allowed)
        const hint = near ? `did you mean '${near}'? ` : ''
        this.problem(k, join(key, name), `unknown key; ${hint}expected one of: ${allowed.join(', ')}`)
        continue
      }
      out.push([name, k as Node, pair.value as AnyNode])
    }
    return out
  }

  /** The items of a list; a single scalar is reported unless `single` allows it. */
  items(node: AnyNode, key: string, what: string, single = false): AnyNode[] {
    // Problems point at the alias itself, not at its anchor.
    const at = node
    node = this.resolve(node)
    if (isSeq(node)) return (node as YAMLSeq<unknown>).items as AnyNode[]
    if (single && isScalar(node) && node.value !== null) return [node]
    this.problem(at, key, `is ${describe(node)}; expected ${what}`)
    return []
  }

  string(node: AnyNode, key: string, what: string): string | undefined {
    // Problems point at the alias itself, not at its anchor.
    const at = node
    node = this.resolve(node)
    if (isScalar(node) && typeof node.value === 'string' && node.value !== '') return node.value
    this.problem(at, key, `is ${describe(node)}; expected ${what}`)
    return undefined
  }

  boolean(node: AnyNode, key: string): boolean | undefined {
    // Problems point at the alias itself, not at its anchor.
    const at = node
    node = this.resolve(node)
    if (isScalar(node) && typeof node.value === 'boolean') return node.value
    this.problem(at, key, `is ${describe(node)}; expected true or false`)
    return undefined
  }

  /** A finite number ≥ 0. */
  nonNegative(node: AnyNode, key: string): number | undefined {
    // Problems point at the alias itself, not at its anchor.
    const at = node
    node = this.resolve(node)
    if (isScalar(node) && typeof node.value === 'number' && Number.isFinite(node.value) && node.value >= 0) {
      return node.value
    }
    this.problem(at, key, `is ${describe(node)}; expected a finite number ≥ 0, e.g. 0.01`)
    return undefined
  }
}

/** Describes a node for a message: `a list`, `the number 5`, `'abc'`, `empty`. */
export function describe(node: AnyNode): string {
  if (node === null || node === undefined) return 'empty'
  if (isMap(node)) return 'a map'
  if (isSeq(node)) return 'a list'
  if (isAlias(node)) return 'an alias'
  if (isScalar(node)) {
    const v = node.value
    if (v === null) return 'empty'
    if (typeof v === 'string') return v === '' ? 'an empty string' : `'${v.length > 60 ? v.slice(0, 57) + '...' : v}'`
    return `the ${typeof v} ${String(v)}`
  }
  return 'an unsupported value'
}

/** Appends a map key to a key path: `rules[0].match` + `path`, or `keyed` + `/a` → `keyed['/a']`. */
export function join(base: string, key: string): string {
  const plain = /^[A-Za-z_][\w-]*$/.test(key)
  if (base === '') return plain ? key : `['${key}']`
  return plain ? `${base}.${key}` : `${base}['${key}']`
}

/** The allowed key within edit distance 2 of `name`, if any (a typo hint). */
function closest(name: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined
  let bestD = 3
  for (const a of allowed) {
    const d = distance(name.toLowerCase(), a.toLowerCase())
    if (d < bestD) {
      bestD = d
      best = a
    }
  }
  return best
}

/** Levenshtein distance, for short keys only. */
function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = cur
  }
  return prev[b.length]
}

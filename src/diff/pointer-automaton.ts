/**
 * One lazily built DFA over every pointer pattern of a ComparePolicy.
 *
 * The JSON diff walks both documents once; at each node it needs to know
 * "is this node ignored / compared by format / unordered / keyed / within
 * a tolerance?". Testing every pattern at every node would cost
 * O(patterns × depth) per node. Instead the patterns go into one trie (`*` and `**` as special edges) and
 * the walker carries a DFA state: the set of trie nodes still alive. A child
 * state is one Map lookup, cached, and `null` as soon as no pattern can
 * match below, at which point the walker hands the subtree to plain
 * fast-json-patch `compare` (the fast path for untouched subtrees).
 */
import type { ComparePolicy } from './policy.js'

/** Tolerance for numbers: equal when within `abs` OR within `rel` × the larger magnitude. */
export interface Tolerance {
  abs?: number
  rel?: number
}

const UNSTEPPED = Symbol('unstepped')

class TrieNode {
  readonly id: number
  readonly lit = new Map<string, TrieNode>()
  star: TrieNode | undefined
  globstar: TrieNode | undefined
  /** True for the node reached by a `**` edge: it loops on every token. */
  isGlob = false
  ignore = false
  format = false
  unordered = false
  keyed: { key: string; order: number } | undefined
  tolerance: { tol: Tolerance; order: number } | undefined
  constructor(id: number) {
    this.id = id
  }
}

/** A DFA state: what applies at this node, and how to step to a child. */
export class PointerState {
  readonly #automaton: PointerAutomaton
  readonly #nodes: readonly TrieNode[]
  readonly #litKeys: ReadonlySet<string>
  /** Literal key → child state; UNSTEPPED until first needed. One lookup per key. */
  readonly #lit = new Map<string, PointerState | null | typeof UNSTEPPED>()
  #other: PointerState | null | undefined
  #childIgnorable: boolean | undefined
  /** The node is ignored: it is removed from both documents before comparing. */
  readonly ignore: boolean
  /** The node is compared by format only (src/diff/format-compare.ts); nothing below it is compared. */
  readonly format: boolean
  /** The node is an array compared as a multiset. */
  readonly unordered: boolean
  /** The node is an array whose elements are matched by this key field. */
  readonly keyed: string | undefined
  /** The node is a number compared with this tolerance. */
  readonly tolerance: Tolerance | undefined
  /** True when the children's state does not depend on their key (no literal edge). */
  readonly uniform: boolean
  /** True when array elements all share one state: no literal edge is an array index. */
  readonly indexUniform: boolean

  constructor(automaton: PointerAutomaton, nodes: readonly TrieNode[]) {
    this.#automaton = automaton
    this.#nodes = nodes
    const keys = new Set<string>()
    let ignore = false
    let format = false
    let unordered = false
    let keyed: TrieNode['keyed']
    let tolerance: TrieNode['tolerance']
    for (const n of nodes) {
      for (const k of n.lit.keys()) keys.add(k)
      ignore ||= n.ignore
      format ||= n.format
      unordered ||= n.unordered
      // Several patterns may hit one node: the later rule wins (documented precedence).
      if (n.keyed && (!keyed || n.keyed.order > keyed.order)) keyed = n.keyed
      if (n.tolerance && (!tolerance || n.tolerance.order > tolerance.order)) tolerance = n.tolerance
    }
    this.#litKeys = keys
    this.ignore = ignore
    this.format = format
    this.unordered = unordered
    this.keyed = keyed?.key
    this.tolerance = tolerance?.tol
    this.uniform = keys.size === 0
    this.indexUniform = ![...keys].some((k) => /^(0|[1-9][0-9]*)$/.test(k))
    for (const k of keys) this.#lit.set(k, UNSTEPPED)
  }

  /** The state of the child `key`, or null when no pattern can match there or below. */
  child(key: string): PointerState | null {
    if (this.uniform) return this.other()
    // Only literal keys are in the map: document keys are unbounded (ids as keys).
    const next = this.#lit.get(key)
    if (next === undefined) return this.#other !== undefined ? this.#other : this.other()
    if (next !== UNSTEPPED) return next
    const stepped = this.#automaton.step(this.#nodes, key)
    this.#lit.set(key, stepped)
    return stepped
  }

  /** The state of any child whose key is not a literal in a pattern. */
  other(): PointerState | null {
    if (this.#other === undefined) this.#other = this.#automaton.step(this.#nodes, undefined)
    return this.#other
  }

  /** True when some child of this node may be ignored (arrays must then be filtered). */
  get childIgnorable(): boolean {
    if (this.#childIgnorable === undefined) {
      let any = this.other()?.ignore ?? false
      for (const k of this.#litKeys) any ||= this.child(k)?.ignore ?? false
      this.#childIgnorable = any
    }
    return this.#childIgnorable
  }
}

/** The compiled automaton of one policy; `root` is null when the policy has no pointers. */
export class PointerAutomaton {
  readonly root: PointerState | null
  readonly #states = new Map<string, PointerState>()
  #nextId = 0

  constructor(policy: ComparePolicy) {
    const trie = this.#node()
    let order = 0
    const add = (tokens: readonly string[], mark: (n: TrieNode) => void) => {
      let n = trie
      for (const t of tokens) {
        if (t === '**') {
          n.globstar ??= Object.assign(this.#node(), { isGlob: true })
          n = n.globstar
        } else if (t === '*') {
          n = n.star ??= this.#node()
        } else {
          let next = n.lit.get(t)
          if (!next) n.lit.set(t, (next = this.#node()))
          n = next
        }
      }
      mark(n)
    }
    for (const p of policy.ignoreBody) add(p.tokens, (n) => (n.ignore = true))
    for (const p of policy.formatBody) add(p.tokens, (n) => (n.format = true))
    for (const p of policy.unordered) add(p.tokens, (n) => (n.unordered = true))
    for (const k of policy.keyed) {
      const o = order++
      add(k.pointer.tokens, (n) => (n.keyed = { key: k.key, order: o }))
    }
    for (const t of policy.tolerance) {
      const o = order++
      add(t.pointer.tokens, (n) => (n.tolerance = { tol: { abs: t.abs, rel: t.rel }, order: o }))
    }
    this.root = this.#intern(closure([trie]))
  }

  #node(): TrieNode {
    return new TrieNode(this.#nextId++)
  }

  /** Steps every node of a state over `key` (undefined: a key no literal edge names). */
  step(nodes: readonly TrieNode[], key: string | undefined): PointerState | null {
    const next: TrieNode[] = []
    for (const n of nodes) {
      if (key !== undefined) {
        const l = n.lit.get(key)
        if (l) next.push(l)
      }
      if (n.star) next.push(n.star)
      if (n.isGlob) next.push(n)
    }
    return this.#intern(closure(next))
  }

  #intern(nodes: TrieNode[]): PointerState | null {
    if (nodes.length === 0) return null
    nodes.sort((x, y) => x.id - y.id)
    const id = nodes.map((n) => n.id).join(',')
    let state = this.#states.get(id)
    if (!state) this.#states.set(id, (state = new PointerState(this, nodes)))
    return state
  }
}

/** Adds the `**` nodes reachable without consuming a token (`**` matches zero tokens too). */
function closure(nodes: TrieNode[]): TrieNode[] {
  const seen = new Set<TrieNode>()
  const out: TrieNode[] = []
  const stack = [...nodes]
  while (stack.length > 0) {
    const n = stack.pop()!
    if (seen.has(n)) continue
    seen.add(n)
    out.push(n)
    if (n.globstar) stack.push(n.globstar)
  }
  return out
}

const cache = new WeakMap<ComparePolicy, PointerAutomaton>()

/** The automaton of a policy, compiled on first use and cached with the policy. */
export function automatonFor(policy: ComparePolicy): PointerAutomaton {
  let a = cache.get(policy)
  if (!a) cache.set(policy, (a = new PointerAutomaton(policy)))
  return a
}

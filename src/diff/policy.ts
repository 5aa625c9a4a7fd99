/**
 * ComparePolicy: the compiled, merged form of every rule that matched one
 * exchange. Built by src/rules, applied by src/diff. Compiled once per rule
 * set, never per request.
 */
import type { LinearRegex } from '../rules/linear-regex.js'

/** A compiled JSON Pointer pattern (`*` one key or index, `**` any depth). */
export interface PointerPattern {
  /** The pointer as written in the rule file. */
  readonly source: string
  /**
   * The unescaped reference tokens (RFC 6901 §4: `~1` → `/`, `~0` → `~`);
   * a token that is exactly `*` or `**` is a wildcard. src/diff compiles
   * these into one automaton per policy instead of calling `matches` per node.
   */
  readonly tokens: readonly string[]
  /** True when `tokens` (an unescaped, split pointer) is matched by this pattern. */
  matches(tokens: readonly string[]): boolean
}

export interface TextPolicy {
  /** Rules compile LinearRegex (linear time); a RegExp is for policies built in code. */
  replace: { pattern: RegExp | LinearRegex; replacement: string }[]
  trim: boolean
  collapseWhitespace: boolean
}

export interface ComparePolicy {
  /** Header names (lower-case) that are never compared. */
  ignoreHeaders: ReadonlySet<string>
  /**
   * Which headers are compared: `media-type` compares only the media type of
   * content-type (the default); `all` every header except hop-by-hop and the
   * volatile defaults; a set adds those names to the media-type comparison.
   */
  compareHeaders: 'media-type' | 'all' | ReadonlySet<string>
  ignoreBody: readonly PointerPattern[]
  /**
   * Header names (lower-case) compared by format only (`format.headers`):
   * equal when `formatOf` of both values is equal; absent is a format.
   * `ignoreHeaders` still wins; no other header comparison applies to them.
   */
  formatHeaders: ReadonlySet<string>
  /**
   * Nodes compared by format only (`format.body`): equal when `formatOf` of
   * both values is equal (a fresh UUID for a UUID); a missing node is the
   * format `absent`. Nothing below such a node is compared.
   */
  formatBody: readonly PointerPattern[]
  unordered: readonly PointerPattern[]
  keyed: readonly { pointer: PointerPattern; key: string }[]
  tolerance: readonly { pointer: PointerPattern; abs?: number; rel?: number }[]
  text: TextPolicy
  /** Query parameters that do not make two requests different (for grouping). */
  ignoreQuery: ReadonlySet<string>
}

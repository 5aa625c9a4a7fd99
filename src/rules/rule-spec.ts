/**
 * One rule after validation: every pattern compiled, ready to be matched
 * against requests and merged into a ComparePolicy.
 */
import type { PointerPattern } from '../diff/policy.js'
import type { LinearRegex } from './linear-regex.js'

/** A compiled `match.query` / `match.header` condition. */
export interface Condition {
  /** Query parameter name, or header name lower-cased. */
  readonly name: string
  /** True when the request's value (undefined: absent) satisfies the condition. */
  test(value: string | undefined): boolean
}

/** A compiled `match.path` pattern. */
export interface PathPattern {
  /** The pattern as written, e.g. `/api/users/:id`; also the default route name. */
  readonly source: string
  readonly regex: RegExp
}

export interface RuleSpec {
  /** The rule's `name`, or `file#index` (file base name, 0-based index) when unnamed. */
  readonly name: string
  readonly file: string
  readonly index: number
  readonly line: number
  readonly route?: string
  /** Upper-case methods; undefined matches every method. */
  readonly methods?: ReadonlySet<string>
  readonly path?: PathPattern
  readonly query: readonly Condition[]
  readonly header: readonly Condition[]
  readonly ignoreHeaders: readonly string[]
  readonly ignoreBody: readonly PointerPattern[]
  readonly ignoreQuery: readonly string[]
  /** `format.headers`, lower-cased: compared by format only. */
  readonly formatHeaders: readonly string[]
  /** `format.body`: nodes compared by format only. */
  readonly formatBody: readonly PointerPattern[]
  readonly compareHeaders?: 'all' | readonly string[]
  readonly unordered: readonly PointerPattern[]
  readonly keyed: readonly { pointer: PointerPattern; key: string }[]
  readonly tolerance: readonly { pointer: PointerPattern; abs?: number; rel?: number }[]
  readonly text: {
    readonly replace: readonly { pattern: LinearRegex; replacement: string }[]
    readonly trim?: boolean
    readonly collapseWhitespace?: boolean
  }
}

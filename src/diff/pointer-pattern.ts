/**
 * JSON Pointer patterns (RFC 6901 plus two wildcards) as used by
 * `ignore.body`, `unordered`, `keyed` and `tolerance`.
 *
 * - `/items/*\/updatedAt`: `*` is exactly one key or array index;
 * - `/**\/traceId`: `**` is any number of tokens, zero included;
 * - `~1` is a literal `/` and `~0` a literal `~` inside a token (RFC 6901 §4).
 */
import type { PointerPattern } from './policy.js'

/**
 * Checks a pointer as written in a rule file; returns what is wrong, or
 * undefined when it is valid.
 */
export function pointerProblem(source: string): string | undefined {
  if (source !== '' && source[0] !== '/') {
    return `'${source}' is not a JSON Pointer: expected '' (the whole document) or a path starting with '/', e.g. '/items/*/id'`
  }
  const bad = /~(?![01])/.exec(source)
  if (bad) {
    return `'${source}' has '~' at offset ${bad.index} not followed by 0 or 1: write '~0' for '~' and '~1' for '/' (RFC 6901 §4)`
  }
  return undefined
}

/** Splits and unescapes a valid pointer into reference tokens. */
export function pointerTokens(source: string): string[] {
  if (source === '') return []
  return source.slice(1).split('/').map(unescapeToken)
}

function unescapeToken(token: string): string {
  // Order matters: `~01` must become `~1`, not `/` (RFC 6901 §4).
  return token.indexOf('~') === -1 ? token : token.replace(/~1/g, '/').replace(/~0/g, '~')
}

/**
 * Compiles a pointer pattern. Throws a TypeError for an invalid pointer:
 * rule loading validates first and reports problems with file and line.
 *
 * @example
 *   compilePointer('/items/*\/updatedAt').matches(['items', '3', 'updatedAt']) // true
 */
export function compilePointer(source: string): PointerPattern {
  const problem = pointerProblem(source)
  if (problem) throw new TypeError(problem)
  const tokens = Object.freeze(pointerTokens(source))
  return Object.freeze({
    source,
    tokens,
    matches: (path: readonly string[]) => matchTokens(tokens, 0, path, 0),
  })
}

function matchTokens(pattern: readonly string[], pi: number, path: readonly string[], ti: number): boolean {
  while (pi < pattern.length) {
    const token = pattern[pi]
    if (token === '**') {
      // `**` may swallow zero or more tokens: try every split point.
      for (let k = ti; k <= path.length; k++) {
        if (matchTokens(pattern, pi + 1, path, k)) return true
      }
      return false
    }
    if (ti >= path.length) return false
    if (token !== '*' && token !== path[ti]) return false
    pi++
    ti++
  }
  return ti === path.length
}

/** Escapes one key for use in a JSON Pointer (RFC 6901 §3). */
export function escapeToken(key: string): string {
  if (key.indexOf('~') === -1 && key.indexOf('/') === -1) return key
  return key.replace(/~/g, '~0').replace(/\//g, '~1')
}

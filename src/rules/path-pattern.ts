/**
 * `match.path` patterns: `/api/users/:id`, `/static/*`, `/api/**`.
 * `:name` and `*` match exactly one non-empty segment; `**` matches any
 * number of segments, none included. A trailing slash on the request path
 * is ignored. Matching is case-sensitive, on the raw (undecoded) path.
 */
import type { PathPattern } from './rule-spec.js'

/** Checks a path pattern; returns what is wrong, or undefined when it is valid. */
export function pathPatternProblem(source: string): string | undefined {
  if (source[0] !== '/') return `'${source}' must start with '/', e.g. /api/users/:id`
  if (source.includes('?')) return `'${source}' contains '?': match.path matches the path only; put query conditions in match.query`
  if (source.includes('#')) return `'${source}' contains '#': fragments are never sent to a server`
  const segments = source.slice(1).split('/')
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]
    if (s === '' && i !== segments.length - 1) return `'${source}' has an empty segment ('//')`
    if (s[0] === ':' && !/^:[A-Za-z_][A-Za-z0-9_]*$/.test(s)) {
      return `'${source}' has parameter '${s}': expected ':' followed by a name of letters, digits and '_'`
    }
    if (s !== '*' && s !== '**' && s.includes('*')) {
      return `'${source}' has segment '${s}': '*' and '**' must be a whole segment`
    }
  }
  return undefined
}

/** Compiles a valid path pattern into one anchored regex. */
export function compilePathPattern(source: string): PathPattern {
  let re = '^'
  const segments = source.slice(1).split('/')
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]
    if (s === '' && i === segments.length - 1) break
    if (s === '**') re += '(?:/[^]*)?'
    else if (s === '*' || s[0] === ':') re += '/[^/]+'
    else re += '/' + s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  }
  re += '/?$'
  return Object.freeze({ source, regex: new RegExp(re) })
}

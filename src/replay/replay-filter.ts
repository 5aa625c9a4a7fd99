/**
 * Which recorded requests a replay sends: --filter-method, --filter-path
 * (a glob on the path), and the unsafe-method guard. A replayed POST, PUT,
 * PATCH or DELETE runs its side effects again on both builds, so those are
 * sent only with --allow-unsafe (README: "Why unsafe methods need
 * --allow-unsafe"); the safe methods are RFC 9110 §9.2.1's.
 */

/** RFC 9110 §9.2.1: methods defined as safe (read-only). */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])

export type FilterOutcome = 'send' | 'filtered' | 'unsafe'

export interface ReplayFilterOptions {
  /** Upper-case methods; null for all. */
  methods: ReadonlySet<string> | null
  /** Compiled --filter-path; null for all. */
  path: RegExp | null
  allowUnsafe: boolean
}

export function filterRequest(method: string, path: string, opts: ReplayFilterOptions): FilterOutcome {
  const m = method.toUpperCase()
  if (opts.methods !== null && !opts.methods.has(m)) return 'filtered'
  if (opts.path !== null && !opts.path.test(path)) return 'filtered'
  if (!opts.allowUnsafe && !SAFE_METHODS.has(m)) return 'unsafe'
  return 'send'
}

/**
 * A path glob as a RegExp: `*` is any run within one segment, `**` any run
 * across segments, `?` one character other than '/'; the rest is literal.
 *
 * @example
 *   compileGlob('/api/*\/orders/**').test('/api/v1/orders/7/items') // true
 *   compileGlob('/api/*').test('/api/a/b')                         // false
 */
export function compileGlob(glob: string): RegExp {
  let out = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]
    if (c === '*' && glob[i + 1] === '*') {
      out += '.*'
      i++
    } else if (c === '*') out += '[^/]*'
    else if (c === '?') out += '[^/]'
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${out}$`)
}

/**
 * Redaction before anything reaches the database: secret header values,
 * query parameters and JSON body fields become "[REDACTED]". Compiled once
 * when the recorder is built, like pino's `redact` paths; a bad pointer
 * throws at construction, naming it.
 */
import { ConfigInvalid } from '../errors.js'
import { compileSecretPaths } from './redact-path.js'
import { redactJsonStream } from './json-redact-stream.js'
import type { Divergence, HeaderMap, Operation, UndecidedField } from '../types.js'

export const REDACTED = '[REDACTED]'

/** Always redacted, whatever the configuration adds. */
export const DEFAULT_REDACT_HEADERS: readonly string[] = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie']

export interface RedactOptions {
  /** Extra header names (case-insensitive) whose values are hidden. */
  headers?: readonly string[]
  /** JSON Pointers into request and response bodies; `*` is one key or index, `**` any depth (e.g. `/**\/token`). */
  bodyPointers?: readonly string[]
  /** Query parameter names (case-insensitive) whose values are hidden in the stored URL. */
  query?: readonly string[]
  /** Path templates whose `:name` segments are hidden in the stored URL (redact-path.ts). */
  paths?: readonly string[]
}

type Tokens = readonly string[]

/** The compiled redaction settings. */
export interface Redactor {
  headers(map: HeaderMap | undefined): Record<string, string | string[]>
  url(url: string): string
  /** Redacts a body; returns the input when nothing matched or it is not JSON. */
  body(body: Buffer, contentType: string | undefined): Buffer
  divergences(list: readonly Divergence[]): Divergence[]
  ops(ops: readonly Operation[]): Operation[]
}

/** Compiles redaction settings; throws ConfigInvalid on a malformed body pointer. */
export function compileRedactor(opts: RedactOptions = {}): Redactor {
  const headerNames = new Set([...DEFAULT_REDACT_HEADERS, ...(opts.headers ?? [])].map((h) => h.toLowerCase()))
  const queryNames = new Set((opts.query ?? []).map((q) => q.toLowerCase()))
  const redactPath = compileSecretPaths(opts.paths ?? [], 'store.redactPath').redact
  const patterns = (opts.bodyPointers ?? []).map((p, i) => parsePointer(p, `store.redactBody[${i}]`))
  // Keys we can still find textually in a text diff (a unified diff is not JSON).
  const literalKeys = [...new Set(patterns.map((t) => t[t.length - 1]).filter((k) => k !== undefined && k !== '*' && k !== '**'))]
  const formNames = new Set([...queryNames, ...literalKeys.map((k) => k.toLowerCase())])
  const matches = (path: Tokens) => patterns.some((p) => matchTokens(p, 0, path, 0))

  const redactValue = (value: unknown, path: string[]): unknown => {
    if (matches(path)) return REDACTED
    if (Array.isArray(value)) return value.map((v, i) => redactValue(v, [...path, String(i)]))
    if (value !== null && typeof value === 'object') {
      // No prototype: a body's own "__proto__" key stays a key, not a prototype.
      const out: Record<string, unknown> = Object.create(null)
      for (const [k, v] of Object.entries(value)) out[k] = redactValue(v, [...path, k])
      return out
    }
    return value
  }

  const redactText = (text: string): string => {
    let out = text
    for (const key of literalKeys) {
      const name = JSON.stringify(key).slice(1, -1).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      out = out.replace(new RegExp(`("${name}"\\s*:\\s*)("(?:[^"\\\\]|\\\\.)*"?|[^,}\\]\\s]+)`, 'g'), `$1"${REDACTED}"`)
    }
    return out
  }

  // An undecided value under a redacted pointer or header: hidden, with the numbers of its reason.
  const undecidedField = (f: UndecidedField): UndecidedField => {
    const secret = f.field.startsWith('header:') ? headerNames.has(f.field.slice(7).toLowerCase()) : matches(splitPointer(f.field))
    if (!secret) return f
    const out: UndecidedField = { field: f.field, op: f.op, awaited: f.awaited, reason: `${REDACTED} (a redacted field)` }
    if (f.primary !== undefined) out.primary = REDACTED
    if (f.candidate !== undefined) out.candidate = REDACTED
    return out
  }

  const ops = (list: readonly Operation[]): Operation[] =>
    patterns.length === 0
      ? [...list]
      : list.map((op) => ('value' in op ? ({ ...op, value: redactValue(op.value, splitPointer(op.path)) } as Operation) : op))

  return {
    headers(map) {
      const out: Record<string, string | string[]> = {}
      if (!map) return out
      for (const [name, value] of Object.entries(map)) {
        if (value === undefined) continue
        const hide = headerNames.has(name.toLowerCase())
        out[name] = hide ? (Array.isArray(value) ? value.map(() => REDACTED) : REDACTED) : value
      }
      return out
    },
    url(url) {
      const q = url.indexOf('?')
      const path = redactPath(q < 0 ? url : url.slice(0, q))
      if (q < 0) return path
      return `${path}?${queryNames.size === 0 ? url.slice(q + 1) : redactForm(url.slice(q + 1), queryNames)}`
    },
    body(body, contentType) {
      if (body.length === 0) return body
      if (contentType && /application\/x-www-form-urlencoded/i.test(contentType)) {
        // A form body is a query string: hide the query names and the bodies' literal field names.
        if (formNames.size === 0) return body
        const text = body.toString('utf8')
        const redacted = redactForm(text, formNames)
        return redacted === text ? body : Buffer.from(redacted)
      }
      if (patterns.length === 0) return body
      const text = body.toString('utf8')
      if (!looksJson(text, contentType)) return body
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch {
        // Cut at the capture cap, or not quite JSON: redact on the structure
        // as far as it goes (json-redact-stream.ts), drop what is not understood.
        const redacted = redactJsonStream(text, matches).text
        return redacted === text ? body : Buffer.from(redacted)
      }
      const redacted = redactValue(parsed, [])
      return JSON.stringify(redacted) === JSON.stringify(parsed) ? body : Buffer.from(JSON.stringify(redacted))
    },
    divergences(list) {
      return list.map((d): Divergence => {
        if (d.kind === 'header' && headerNames.has(d.name.toLowerCase())) {
          return { ...d, ...(d.primary !== undefined && { primary: REDACTED }), ...(d.candidate !== undefined && { candidate: REDACTED }) }
        }
        if (d.kind === 'body' && 'ops' in d) return { kind: 'body', ops: ops(d.ops) }
        if (d.kind === 'body' && 'text' in d && literalKeys.length > 0) return { kind: 'body', text: redactText(d.text) }
        if (d.kind === 'undecided') return { kind: 'undecided', fields: d.fields.map(undecidedField) }
        return d
      })
    },
    ops,
  }
}

function looksJson(text: string, contentType: string | undefined): boolean {
  if (contentType && /[/+]json\b/i.test(contentType)) return true
  const c = text.trimStart()[0]
  return c === '{' || c === '['
}

/** Replaces the values of `names` (case-insensitive) in `a=1&b=2`, keeping everything else as written. */
function redactForm(query: string, names: ReadonlySet<string>): string {
  return query
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=')
      const rawName = eq < 0 ? part : part.slice(0, eq)
      return names.has(decodeName(rawName).toLowerCase()) ? `${rawName}=${REDACTED}` : part
    })
    .join('&')
}

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '))
  } catch {
    return raw
  }
}

/** Splits and unescapes a JSON Pointer (RFC 6901 §3–4). */
export function splitPointer(pointer: string): string[] {
  if (pointer === '') return []
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
}

function parsePointer(pointer: unknown, where: string): Tokens {
  if (typeof pointer !== 'string' || !pointer.startsWith('/')) {
    throw new ConfigInvalid(`${where} must be a JSON Pointer starting with '/', e.g. '/password' or '/**/token', got ${JSON.stringify(pointer)}`)
  }
  return splitPointer(pointer)
}

/** `*` matches exactly one token, `**` zero or more. */
function matchTokens(pattern: Tokens, pi: number, path: Tokens, ti: number): boolean {
  if (pi === pattern.length) return ti === path.length
  const p = pattern[pi]
  if (p === '**') {
    for (let k = ti; k <= path.length; k++) if (matchTokens(pattern, pi + 1, path, k)) return true
    return false
  }
  if (ti === path.length) return false
  return (p === '*' || p === path[ti]) && matchTokens(pattern, pi + 1, path, ti + 1)
}

/**
 * Secrets in URL paths (`/password-reset/<token>`, `/keys/<api key>/usage`):
 * path templates name the segments whose values are hidden in the stored URL.
 *
 *   /password-reset/:token      the second segment becomes [REDACTED]
 *   /orgs/*\/keys/:key/**        `*` is any one segment (kept), a trailing
 *                               `**` any rest (kept)
 *
 * Matching is on the raw, still percent-encoded segments, so an encoded `/`
 * inside a token does not shift the positions. Only the path is touched; the
 * query has its own option (redactQuery).
 */
import { ConfigInvalid } from '../errors.js'

const REDACTED = '[REDACTED]'

type Segment = { kind: 'literal'; value: string } | { kind: 'secret'; name: string } | { kind: 'any' }

interface Template {
  segments: Segment[]
  /** Ends in `**`: longer paths match too. */
  open: boolean
}

export interface SecretPaths {
  /** The stored URL's path: secret segments become [REDACTED]. */
  redact(path: string): string
  /** The report route's path: secret segments become the template's `:name`, so they never reach a route label. */
  fold(path: string): string
}

/**
 * Compiles path templates; throws ConfigInvalid naming the template, where it
 * is (`where[i]`) and what was expected.
 *
 * @example
 *   const paths = compileSecretPaths(['/reset/:token'], 'store.redactPath')
 *   paths.redact('/reset/abc123') // '/reset/[REDACTED]'
 *   paths.fold('/reset/abc123')   // '/reset/:token'
 */
export function compileSecretPaths(templates: readonly string[], where: string): SecretPaths {
  const compiled = templates.map((t, i) => compileTemplate(t, `${where}[${i}]`))
  if (compiled.length === 0) return { redact: same, fold: same }
  return { redact: (path) => replaceSecrets(compiled, path, () => REDACTED), fold: (path) => replaceSecrets(compiled, path, (s) => ':' + s.name) }
}

const same = (path: string) => path

function replaceSecrets(templates: readonly Template[], path: string, by: (s: Extract<Segment, { kind: 'secret' }>) => string): string {
  const parts = path.split('/')
  // parts[0] is the empty string before the leading '/'.
  const n = parts.length - 1
  let changed = false
  for (const t of templates) {
    if (n < t.segments.length || (!t.open && n !== t.segments.length)) continue
    if (!t.segments.every((s, i) => s.kind !== 'literal' || s.value === parts[i + 1])) continue
    t.segments.forEach((s, i) => {
      if (s.kind === 'secret') {
        parts[i + 1] = by(s)
        changed = true
      }
    })
  }
  return changed ? parts.join('/') : path
}

function compileTemplate(template: unknown, where: string): Template {
  const expected = `expected a path template starting with '/', with at least one ':name' segment to hide, e.g. '/password-reset/:token' or '/keys/:key/**'`
  if (typeof template !== 'string' || !template.startsWith('/') || template.includes('?')) {
    throw new ConfigInvalid(`${where}: ${expected}, got ${JSON.stringify(template)}`)
  }
  const raw = template.slice(1).split('/')
  const open = raw[raw.length - 1] === '**'
  if (open) raw.pop()
  const segments = raw.map((s): Segment => (s.startsWith(':') && s.length > 1 ? { kind: 'secret', name: s.slice(1) } : s === '*' ? { kind: 'any' } : { kind: 'literal', value: s }))
  if (raw.includes('**')) throw new ConfigInvalid(`${where}: '**' may only end the template; ${expected}, got ${JSON.stringify(template)}`)
  if (!segments.some((s) => s.kind === 'secret')) throw new ConfigInvalid(`${where}: no ':name' segment, so nothing would be hidden; ${expected}, got ${JSON.stringify(template)}`)
  return { segments, open }
}

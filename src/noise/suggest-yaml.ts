/**
 * Writes rule suggestions as a commented YAML rule file (the format of
 * docs/rules.md): one rule per route, each suggestion preceded by a
 * comment with its evidence, warnings in capitals. The file passes
 * `shadowdiff rules check` as written; a person reviews it and deletes
 * what they do not agree with before using it.
 */
import type { RouteSuggestions, Suggestion } from './suggest-rules.js'
import { MIN_EXCHANGES } from './suggest-rules.js'

export interface RenderMeta {
  /** The databases read. */
  sources: readonly string[]
  /** ISO time written in the header (tests pass a fixed one). */
  generatedAt?: string
}

/** Strings are written as JSON, which YAML reads as double-quoted scalars. */
const q = (s: string) => JSON.stringify(s)

/** Comment lines: no line breaks can escape the comment. */
function comment(indent: string, text: string): string[] {
  return [`${indent}# ${text.replace(/[\r\n]+/g, ' ')}`]
}

/** The name of a route's suggested rule: what `rules explain` and the reports show. */
export function ruleName(r: Pick<RouteSuggestions, 'method' | 'route'>): string {
  return `suggested: ${r.method} ${r.route}`
}

/**
 * @example
 *   writeFileSync('reports/suggested-rules.yaml', renderSuggestions(suggestWithImpact(recorded), { sources: ['./shadowdiff.db'] }))
 */
export function renderSuggestions(routes: readonly RouteSuggestions[], meta: RenderMeta): string {
  const total = routes.reduce((n, r) => n + r.exchanges, 0)
  const lines = [
    `# Suggested by 'shadowdiff rules suggest' at ${meta.generatedAt ?? new Date().toISOString()}`,
    `# from ${meta.sources.join(', ')}: ${total} recorded divergent exchanges with JSON bodies on ${routes.length} route${routes.length === 1 ? '' : 's'}.`,
    '#',
    '# REVIEW BEFORE USE. Every suggestion says why: in how many recorded',
    '# exchanges primary and candidate differed that way, with an example.',
    '# Nothing here applies until you pass this file to shadowdiff with --rules;',
    '# delete whatever you do not agree with. WARNING lines name what a',
    '# suggestion would also hide; each rule says how many recorded divergent',
    '# exchanges it would turn equal. Differences that look deterministic are',
    '# never ignored or tolerated: they are listed under LIKELY REGRESSIONS.',
  ]
  const rules: string[] = []
  for (const r of routes) rules.push(...routeRule(r))
  const likely = likelyRegressions(routes)
  if (rules.length === 0) {
    lines.push('#', '# Nothing to suggest.', 'rules: []', ...likely, '')
    return lines.join('\n')
  }
  lines.push('rules:', ...rules, ...likely, '')
  return lines.join('\n')
}

/**
 * The differences refused as noise, with their evidence: comments after the
 * rules, so the file stays a valid rule file.
 */
function likelyRegressions(routes: readonly RouteSuggestions[]): string[] {
  const all = routes.flatMap((r) => r.likelyRegressions.map((l) => ({ r, l })))
  if (all.length === 0) return []
  const out = [
    '',
    '# LIKELY REGRESSIONS: these differences look deterministic, not like noise',
    '# (the same change on every repeat of a request, one constant change or',
    '# delta, a change confined to some requests). No rule above hides them;',
    '# look at them before you hide anything.',
  ]
  for (const { r, l } of all) out.push('#', ...comment('', `${r.method} ${r.route} ${l.field}: ${l.refused}.`), ...comment('', `  evidence: ${l.evidence}`))
  return out
}

/** One comment line with what the rule would turn equal among the recorded exchanges. */
function impactLine(r: RouteSuggestions): string[] {
  const i = r.impact
  if (i === undefined) return []
  const equal = i.turnedEqual > 0 ? `, e.g. ${i.equalExamples.join(', ')}` : ''
  const still = i.recorded - i.turnedEqual
  const rest = still > 0 ? `; ${still} ${still === 1 ? 'stays' : 'stay'} divergent, e.g. ${i.stillDivergent.join(', ')}` : ''
  return comment('    ', `would turn ${i.turnedEqual} of ${i.recorded} recorded divergent exchanges equal${equal}${rest}`)
}

function routeRule(r: RouteSuggestions): string[] {
  const title = `${r.method} ${r.route}: ${r.exchanges} recorded exchange${r.exchanges === 1 ? '' : 's'} with JSON bodies`
  if (r.path === undefined) return comment('  ', `${title}: no suggestion, the route matches several paths and no single match.path was found`)
  if (r.suggestions.length === 0) {
    const why = r.exchanges < MIN_EXCHANGES ? `fewer than ${MIN_EXCHANGES} recorded, too little evidence` : 'nothing looked like noise'
    return [...comment('  ', `${title}: no suggestion (${why})`), ...notCompared(r)]
  }
  const by = <K extends Suggestion['kind']>(kind: K) => r.suggestions.filter((s): s is Extract<Suggestion, { kind: K }> => s.kind === kind)
  const out = [...comment('  ', title), `  - name: ${q(ruleName(r))}`, ...impactLine(r), `    match: { method: ${r.method}, path: ${q(r.path)} }`]
  const format = by('format')
  const formatHeaders = by('format-header')
  if (format.length > 0 || formatHeaders.length > 0) {
    out.push('    format:')
    out.push(...comment('      ', 'compared by format only: a fresh value of the same format is no difference; another format, or the value gone, is one'))
    if (format.length > 0) {
      out.push('      body:')
      for (const s of format) out.push(...explain('        ', s), `        - ${q(s.pointer)}`)
    }
    if (formatHeaders.length > 0) {
      out.push('      headers:')
      for (const s of formatHeaders) out.push(...comment('        ', s.evidence), `        - ${q(s.header)}`)
    }
  }
  const ignore = by('ignore')
  if (ignore.length > 0) {
    out.push('    ignore:', '      body:')
    for (const s of ignore) out.push(...explain('        ', s), `        - ${q(s.pointer)}`)
  }
  const unordered = by('unordered')
  if (unordered.length > 0) {
    out.push('    unordered:')
    for (const s of unordered) out.push(...explain('      ', s), `      - ${q(s.pointer)}`)
  }
  const keyed = by('keyed')
  if (keyed.length > 0) {
    out.push('    keyed:')
    for (const s of keyed) out.push(...explain('      ', s), `      ${q(s.pointer)}: ${q(s.key)}`)
  }
  const tolerance = by('tolerance')
  if (tolerance.length > 0) {
    out.push('    tolerance:')
    for (const s of tolerance) out.push(...explain('      ', s), `      ${q(s.pointer)}: { abs: ${s.abs} }`)
  }
  const headers = by('compare-header')
  if (headers.length > 0) {
    out.push('    compare:', '      headers:')
    out.push(...comment('        ', 'by default only the media type of content-type is compared: these headers are present and not random'))
    for (const s of headers) out.push(...comment('        ', s.evidence), `        - ${q(s.header)}`)
  }
  out.push(...notCompared(r))
  return out
}

function explain(indent: string, s: Exclude<Suggestion, { kind: 'compare-header' | 'format-header' }>): string[] {
  return [...comment(indent, s.evidence), ...(s.warning ? comment(indent, `WARNING: ${s.warning}`) : [])]
}

function notCompared(r: RouteSuggestions): string[] {
  return r.notCompared.length > 0 ? comment('    ', `headers left uncompared: ${r.notCompared.join('; ')}`) : []
}

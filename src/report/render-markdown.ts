/**
 * The Markdown report: compact enough for a PR comment or a GitHub step
 * summary (verdict, totals, the ten worst endpoints, one example diff each),
 * with the full detail left to the HTML report.
 *
 * Recorded values are untrusted here too: table cells escape `|` and
 * Markdown punctuation, inline code picks a backtick run longer than any in
 * the value, and each diff block uses a fence longer than any backtick run
 * in the diff, so a body containing ``` cannot close it early.
 */
import { exampleDiff } from './body-diff.js'
import {
  endpointGateState,
  endpointKey,
  failingReasons,
  formatCount,
  formatDuration,
  formatMs,
  formatRate,
  formatTime,
  reviewOrder,
} from './render-format.js'
import type { EndpointReport, Report } from './report-types.js'
import { boundsText, countsText, outcomeOf } from '../gate/format-verdict.js'

/** GitHub rejects comments over 65,536 characters; stop adding diffs well before that. */
const DIFF_BUDGET = 48_000
const TOP = 10

/** Control characters (other than tab and newline) have no business in a comment. */
function clean(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f\ufffe\uffff]/g, '\ufffd')
}

/** Escapes text so Markdown and inline HTML in it render literally; safe in table cells. */
export function mdText(value: string): string {
  return clean(value)
    .replace(/\r?\n/g, ' ')
    .replace(/[\\`*_[\]|~<>&]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : `\\${c}`))
    // Only at the start of a line do these open a heading, list or quote.
    .replace(/^(\s*)([#+-])/, '$1\\$2')
    .replace(/^(\s*\d+)([.)])/, '$1\\$2')
}

/** Inline code that survives any content: a longer backtick run than the value holds; `|` escaped for tables. */
export function mdCode(value: string): string {
  const v = clean(value).replace(/\r?\n/g, ' ').replace(/\|/g, '\\|')
  const run = Math.max(0, ...(v.match(/`+/g) ?? []).map((m) => m.length))
  const tick = '`'.repeat(run + 1)
  const pad = v.startsWith('`') || v.endsWith('`') || v === '' ? ' ' : ''
  return `${tick}${pad}${v}${pad}${tick}`
}

/** A fenced block whose fence is longer than any backtick run in the content. */
export function mdFence(content: string, lang = ''): string {
  const body = clean(content)
  const run = Math.max(0, ...(body.match(/`{3,}/g) ?? []).map((m) => m.length))
  const fence = '`'.repeat(Math.max(3, run + 1))
  return `${fence}${lang}\n${body}\n${fence}`
}

/** Text for inside raw HTML (`<summary>`), where Markdown is not parsed. */
function htmlText(value: string): string {
  return clean(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c)
}

const STATE = { fail: '❌ fail', low: '⚠️ few samples', pass: '✅ pass' } as const

function totalsTable(r: Report): string[] {
  const t = r.totals
  return [
    '| Served | Compared | Divergent | Rate | Undecided | Candidate errors (5xx / network) | Noise only | Dropped | Skipped |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| ${[t.served, t.compared, t.divergent].map(formatCount).join(' | ')} | ${formatRate(t.divergenceRate)} | ${formatCount(t.undecided ?? 0)} | ${errorCell(t)} | ${[t.noise, t.dropped, t.skipped].map(formatCount).join(' | ')} |`,
  ]
}

/** `12 (10 / 2)`: candidate errors, 5xx where the primary was not / network and timeouts. */
function errorCell(t: { candidateErrors: number; candidateErrorsBy?: { status5xx: number; network: number } }): string {
  const p = t.candidateErrorsBy
  return p ? `${formatCount(t.candidateErrors)} (${formatCount(p.status5xx)} / ${formatCount(p.network)})` : formatCount(t.candidateErrors)
}

/**
 * What the rates stand on: the share of mirror-eligible requests compared,
 * overall and for the least covered endpoints (after `--sample`, the
 * adaptive share and drops). Absent for reports of builds without the share.
 */
function coverageLine(r: Report): string | null {
  const t = r.totals
  if (t.mirroredShare === undefined || t.compared === 0) return null
  const eligible = t.served - t.notMirrored
  let line = `Compared ${formatCount(t.compared)} of ${formatCount(eligible)} mirror-eligible requests (${formatRate(t.mirroredShare)}).`
  const low = r.endpoints
    .filter((e) => e.mirroredShare !== undefined && e.mirroredShare < 0.99 && e.served > 0)
    .sort((a, b) => (a.mirroredShare as number) - (b.mirroredShare as number) || cmpKey(a, b))
    .slice(0, 5)
  if (low.length > 0) line += ` Least compared: ${low.map((e) => `${mdCode(endpointKey(e))} ${formatRate(e.mirroredShare as number)}`).join(', ')}.`
  return line
}

function cmpKey(a: EndpointReport, b: EndpointReport): number {
  const x = endpointKey(a)
  const y = endpointKey(b)
  return x < y ? -1 : x > y ? 1 : 0
}

function endpointRow(r: Report, e: EndpointReport): string {
  const top = [...e.fields].filter((f) => f.count > f.noiseCount).sort((a, b) => b.count - b.noiseCount - (a.count - a.noiseCount))[0]
  const p = e.latency.primary.p99
  const c = e.latency.candidate.p99
  return `| ${STATE[endpointGateState(r.verdict, e)]} | ${mdCode(endpointKey(e))} | ${formatCount(e.compared)} | ${formatCount(e.divergent)} | ${formatRate(e.rate)} | ${formatRate(e.errorRate ?? (e.compared > 0 ? e.candidateErrors / e.compared : 0))} | ${formatMs(p)} → ${formatMs(c)} | ${top ? mdCode(top.field) : '–'} |`
}

function exampleBlock(r: Report, e: EndpointReport): string[] {
  const ex = e.examples[0]
  const reasons = failingReasons(r.verdict.failingEndpoints, e) ?? []
  const out = [
    `<details><summary><code>${htmlText(endpointKey(e))}</code> — ${formatCount(e.divergent)} divergent (${formatRate(e.rate)})</summary>`,
    '',
  ]
  for (const reason of reasons) out.push(`- ❌ ${mdText(reason)}`)
  if (reasons.length) out.push('')
  if (ex) {
    out.push(`${mdCode(`${ex.method} ${ex.url}`)} · ${ex.primaryStatus ?? 'no response'} → ${ex.candidateStatus ?? 'no response'} · ${mdCode(ex.id)} at ${formatTime(ex.at)}`, '')
    out.push(mdFence(exampleDiff(ex), 'diff'))
  } else {
    out.push('_No example exchange was recorded._')
  }
  out.push('', '</details>', '')
  return out
}

/**
 * Renders the report as GitHub-flavoured Markdown.
 *
 * @example appendFileSync(process.env.GITHUB_STEP_SUMMARY, renderMarkdown(report))
 */
export function renderMarkdown(report: Report): string {
  const v = report.verdict
  const w = report.window
  const span = w.since && w.until ? ` (${formatDuration(Date.parse(w.until) - Date.parse(w.since))})` : ''
  const outcome = outcomeOf(v)
  const icon = outcome === 'pass' ? '✅' : outcome === 'fail' ? '❌' : '⚠️'
  const verb = outcome === 'pass' ? 'passes' : outcome === 'fail' ? 'fails' : 'is not yet judged by'
  const out = [
    `## ${icon} shadowdiff: ${outcome.toUpperCase()}`,
    '',
    report.totals.compared > 0
      ? `The candidate ${verb} the gate: **${formatRate(v.divergenceRate)}** divergent over **${formatCount(v.samples)}** compared exchanges.`
      : `Nothing was compared in this window, so the candidate ${verb} the gate by default.`,
    '',
  ]
  for (const reason of v.reasons) out.push(`- ${mdText(reason)}`)
  if (v.reasons.length) out.push('')
  for (const hint of report.hints ?? []) out.push(`> 💡 ${mdText(hint.message)}`, '')
  const window = w.since || w.until ? `Window ${formatTime(w.since)} → ${formatTime(w.until)}${span}` : 'Whole recording'
  const exact = w.since || w.until ? (w.exact === false ? ' (widened to whole minutes)' : ' (exact to the second)') : ''
  out.push(`${window}${exact} · generated ${formatTime(report.generatedAt)}`, '')
  if (v.counts) out.push(`Judged: ${mdText(countsText(v))}.`, '')
  const bounds = v.bounds ? boundsText(v) : ''
  if (bounds) out.push(`${mdText(bounds)}.`, '')
  out.push(...totalsTable(report), '')
  const coverage = coverageLine(report)
  if (coverage) out.push(coverage, '')

  const worst = reviewOrder(report.endpoints, v)
    .filter((e) => e.divergent > 0 || e.candidate5xx > 0 || failingReasons(v.failingEndpoints, e))
    .slice(0, TOP)
  if (report.endpoints.length === 0) return `${out.join('\n')}\n`
  if (worst.length === 0) {
    out.push(`No divergence on any of the ${report.endpoints.length} endpoints.`, '')
    return `${out.join('\n')}\n`
  }
  const more = report.endpoints.length - worst.length
  out.push(`### Worst endpoints${more > 0 ? ` (${worst.length} of ${report.endpoints.length})` : ''}`, '')
  out.push('| Gate | Endpoint | Compared | Divergent | Rate | Cand. errors | p99 primary → cand. | Top field |', '|---|---|---:|---:|---:|---:|---:|---|')
  for (const e of worst) out.push(endpointRow(report, e))
  out.push('', '### Example diffs', '', '`-` primary, `+` candidate.', '')
  let used = out.join('\n').length
  for (const e of worst) {
    const block = exampleBlock(report, e)
    const size = block.join('\n').length
    if (used + size > DIFF_BUDGET) {
      out.push('_More examples are in the HTML report._', '')
      break
    }
    used += size
    out.push(...block)
  }
  return `${out.join('\n')}\n`
}

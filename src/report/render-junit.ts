/**
 * The JUnit XML report, so CI systems that already show test results
 * (Jenkins, GitLab, GitHub test reporters) show the gate: one testcase per
 * endpoint (classname `shadowdiff.<METHOD>`, name = route), failing where the
 * gate failed the endpoint, skipped where it had too few samples to judge,
 * plus a `gate: overall` testcase for the verdict's own reasons.
 *
 * Shape follows the Jenkins/Ant junit-10.xsd: testsuites(name, tests,
 * failures, errors, time) > testsuite(name, tests, failures, errors, skipped,
 * time, timestamp) > properties?, testcase*(name, classname, time) >
 * failure(message, type) | skipped(message), system-out?. That schema has no
 * `skipped` attribute on `testsuites`, so the count sits on `testsuite` only.
 */
import { exampleDiff } from './body-diff.js'
import { endpointGateState, endpointKey, failingReasons, formatCount, formatRate, formatTime, reviewOrder } from './render-format.js'
import { describeThresholds, measured } from '../gate/format-verdict.js'
import type { EndpointReport, Report } from './report-types.js'
import { boundsText, countsText, outcomeOf, windowText } from '../gate/format-verdict.js'

/**
 * Removes what XML 1.0 forbids (§2.2 Char: C0 controls other than tab, LF,
 * CR; lone surrogates; U+FFFE/U+FFFF). Recorded bodies can hold any byte.
 */
export function xmlChars(s: string): string {
  return s.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
}

/** Escapes element text. */
function text(s: string): string {
  return xmlChars(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** Escapes an attribute value; newlines become spaces since attribute normalisation would eat them anyway. */
function attr(s: string | number): string {
  return xmlChars(String(s))
    .replace(/[\t\n\r]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
}

/** junit-10.xsd's timestamp is ISO 8601 without zone or fraction (UTC here). */
function timestamp(iso: string): string {
  const t = Date.parse(iso)
  return (Number.isNaN(t) ? new Date(0) : new Date(t)).toISOString().slice(0, 19)
}

interface Case {
  name: string
  classname: string
  failure?: { message: string; type: string; body: string }
  skipped?: string
}

function endpointCase(r: Report, e: EndpointReport): Case {
  const base = { name: e.route, classname: `shadowdiff.${e.method}` }
  const state = endpointGateState(r.verdict, e)
  if (state === 'low') {
    return { ...base, skipped: `${formatCount(e.compared)} compared exchanges: too few for the gate to judge this endpoint` }
  }
  if (state === 'pass') return base
  const reasons = failingReasons(r.verdict.failingEndpoints, e) ?? []
  const lines = [
    ...reasons,
    '',
    `${formatCount(e.divergent)} of ${formatCount(e.compared)} compared exchanges divergent (${formatRate(e.rate)})${(e.undecided ?? 0) > 0 ? `, ${formatCount(e.undecided!)} undecided` : ''}; candidate errors ${formatRate(e.errorRate ?? (e.compared > 0 ? e.candidateErrors / e.compared : 0))}${e.candidateErrorsBy ? ` (${formatCount(e.candidateErrorsBy.status5xx)} 5xx where the primary was not, ${formatCount(e.candidateErrorsBy.network)} network/timeouts)` : ''}.`,
  ]
  const top = e.fields
    .filter((f) => f.count > f.noiseCount)
    .sort((a, b) => b.count - b.noiseCount - (a.count - a.noiseCount))
    .slice(0, 5)
  if (top.length) lines.push(`Top fields: ${top.map((f) => `${f.field} (${f.op}, ${formatCount(f.count - f.noiseCount)})`).join(', ')}`)
  const ex = e.examples[0]
  if (ex) {
    lines.push('', `Example ${ex.id} at ${formatTime(ex.at)}: ${ex.method} ${ex.url} → primary ${ex.primaryStatus ?? 'no response'}, candidate ${ex.candidateStatus ?? 'no response'}`, '', exampleDiff(ex))
  }
  return { ...base, failure: { message: reasons.join('; ') || 'endpoint fails the gate', type: 'shadowdiff.endpoint', body: lines.join('\n') } }
}

/**
 * The verdict's reasons not already reported by an endpoint testcase: a reason
 * counts as an endpoint's when it equals one of that endpoint's reasons or is
 * prefixed `METHOD route:`.
 */
function overallReasons(r: Report): string[] {
  const own = new Set(r.verdict.failingEndpoints.flatMap((f) => f.reasons))
  const prefixes = r.verdict.failingEndpoints.map((f) => `${endpointKey(f)}:`)
  return r.verdict.reasons.filter((x) => !own.has(x) && !prefixes.some((p) => x.startsWith(p)))
}

function overallCase(r: Report): Case {
  const base = { name: 'gate: overall', classname: 'shadowdiff.gate' }
  const reasons = overallReasons(r)
  if (r.verdict.ok || (reasons.length === 0 && r.verdict.failingEndpoints.length > 0)) return base
  // Not yet settled is not a failure: CI shows it as skipped, with what would settle it.
  if (outcomeOf(r.verdict) === 'inconclusive') return { ...base, skipped: `inconclusive: ${reasons.join('; ')}` }
  const list = reasons.length ? reasons : ['the gate failed without giving a reason']
  const v = r.verdict
  const body = [
    ...list,
    '',
    `Measured: ${measured(v)}`,
    `Gate: ${describeThresholds(v.thresholds)}`,
  ].join('\n')
  return { ...base, failure: { message: list.join('; '), type: 'shadowdiff.gate', body } }
}

function caseXml(c: Case): string {
  const open = `    <testcase name="${attr(c.name)}" classname="${attr(c.classname)}" time="0"`
  if (c.failure) {
    return `${open}>\n      <failure message="${attr(c.failure.message)}" type="${attr(c.failure.type)}">${text(c.failure.body)}</failure>\n    </testcase>`
  }
  if (c.skipped !== undefined) return `${open}>\n      <skipped message="${attr(c.skipped)}"/>\n    </testcase>`
  return `${open}/>`
}

/**
 * Renders the report as JUnit XML.
 *
 * @example writeFileSync('shadowdiff-junit.xml', renderJunit(report))
 */
export function renderJunit(report: Report): string {
  const known = new Set(report.endpoints.map(endpointKey))
  // A failing endpoint the report has no row for still gets its testcase, so no failure is lost.
  const orphans: EndpointReport[] = report.verdict.failingEndpoints
    .filter((f) => !known.has(endpointKey(f)))
    .map((f) => ({
      method: f.method, route: f.route, served: 0, compared: 0, divergent: 0, rate: 0, candidateErrors: 0, candidate5xx: 0, candidate5xxRate: 0,
      latency: { primary: { count: 0, p50: 0, p90: 0, p99: 0, max: 0 }, candidate: { count: 0, p50: 0, p90: 0, p99: 0, max: 0 } },
      fields: [], examples: [],
    }))
  const cases = [overallCase(report), ...reviewOrder([...report.endpoints, ...orphans], report.verdict).map((e) => endpointCase(report, e))]
  const failures = cases.filter((c) => c.failure).length
  const skipped = cases.filter((c) => c.skipped !== undefined).length
  const t = report.totals
  const v = report.verdict
  const c = v.counts
  const props: [string, string | number][] = [
    ['verdict', outcomeOf(v)],
    ['window.since', report.window.since ?? ''],
    ['window.until', report.window.until ?? ''],
    ['window.exact', String(report.window.exact !== false)],
    ...(c ? ([['judged.compared', c.compared], ['judged.divergent', c.divergent], ['judged.candidateErrors', c.candidateErrors], ['notMirrored', c.notMirrored], ['skipped', c.skipped]] as [string, number][]) : []),
    ...(v.bounds ? ([['confidence', v.bounds.confidence], ['divergence.upper', v.bounds.divergence.upper], ['divergence.lower', v.bounds.divergence.lower]] as [string, number][]) : []),
    ['served', t.served],
    ['compared', t.compared],
    ['divergent', t.divergent],
    ['divergenceRate', t.divergenceRate],
    ['candidateErrors', t.candidateErrors],
    ['candidateErrors.status5xx', t.candidateErrorsBy?.status5xx ?? ''],
    ['candidateErrors.network', t.candidateErrorsBy?.network ?? ''],
    ['candidate5xx', t.candidate5xx],
    ['undecided', t.undecided ?? 0],
    ['dropped', t.dropped],
  ]
  const summary = [
    `shadowdiff gate: ${outcomeOf(v).toUpperCase()}`,
    ...v.reasons.map((r) => `- ${r}`),
    `${formatCount(t.compared)} compared, ${formatCount(t.divergent)} divergent (${formatRate(t.divergenceRate)}), window ${formatTime(report.window.since)} → ${formatTime(report.window.until)}`,
    `window: ${windowText(report.window)}`,
    ...(c ? [`judged: ${countsText(v)}`] : []),
    ...(v.bounds ? [boundsText(v)] : []),
  ].join('\n')
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="shadowdiff" tests="${cases.length}" failures="${failures}" errors="0" time="0">`,
    `  <testsuite name="shadowdiff" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="0" timestamp="${timestamp(report.generatedAt)}">`,
    '    <properties>',
    ...props.map(([n, v]) => `      <property name="${attr(n)}" value="${attr(v)}"/>`),
    '    </properties>',
    ...cases.map(caseXml),
    `    <system-out>${text(summary)}</system-out>`,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n')
}

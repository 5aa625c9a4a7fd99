/**
 * The HTML report: one self-contained file a release reviewer opens from
 * disk. Inline CSS, inline SVG charts, one small inline script pinned by a
 * Content-Security-Policy hash; nothing is fetched (`default-src 'none'`).
 * Every recorded value is escaped by the `html` template (html-escape.ts).
 */
import { createHash } from 'node:crypto'
import { groupEvents, latencyChart, legend, timelineChart, timelineSpan, type EventGroup } from './html-charts.js'
import { auditTable } from './html-audit.js'
import { endpointDetails, endpointTable } from './html-endpoints.js'
import { html, raw, type Raw } from './html-escape.js'
import { CSS, SCRIPT } from './html-style.js'
import { describeThresholds, measured } from '../gate/format-verdict.js'
import { formatCount, formatDuration, formatRate, formatTime } from './render-format.js'
import type { GateVerdict, Report } from './report-types.js'
import { boundsText, countsText, outcomeOf, windowText } from '../gate/format-verdict.js'

/** Which side serves and which is compared, as the recording's last traffic state says. */
function trafficLine(r: Report): Raw | string {
  if (!r.traffic) return ''
  return html`<p class="traffic" id="traffic">Traffic now: ${r.traffic.mode} mode${r.traffic.mode === 'split' ? ` at ${r.traffic.weight}%` : ''} — ${r.traffic.sides.text}.</p>`
}

const SCRIPT_HASH = createHash('sha256').update(SCRIPT).digest('base64')
const CSP = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${SCRIPT_HASH}'; base-uri 'none'; form-action 'none'`

function verdictBanner(v: GateVerdict, compared: number, w: Report['window']): Raw {
  const outcome = outcomeOf(v)
  const what =
    outcome === 'pass'
      ? `The candidate passes the gate: ${formatRate(v.divergenceRate)} divergent over ${formatCount(v.samples)} compared exchanges.`
      : outcome === 'inconclusive'
        ? `Inconclusive: ${formatCount(v.samples)} compared exchanges do not yet settle the gate (${formatRate(v.divergenceRate)} divergent).`
        : `The candidate fails the gate${compared > 0 ? ` (${formatRate(v.divergenceRate)} divergent over ${formatCount(v.samples)} compared exchanges)` : ''}.`
  const cls = outcome === 'pass' ? 'pass' : 'fail'
  const badge = outcome === 'pass' ? '✓ PASS' : outcome === 'fail' ? '✕ FAIL' : '? INCONCLUSIVE'
  const bounds = boundsText(v)
  const observed = measured(v)
  return html`<section class="verdict ${cls}" id="verdict" role="status" data-verdict="${outcome}">
<div class="badge">${badge}</div>
<div><p class="what">${what}</p>
${v.reasons.length ? html`<ul class="reasons">${v.reasons.map((r) => html`<li>${r}</li>`)}</ul>` : ''}
<p class="judged" id="judged">Window: ${windowText(w)}.${v.counts ? html`<br>Judged: ${countsText(v)}.` : ''}${bounds ? html`<br>${bounds}.` : ''}</p>
<p class="gate">Measured: ${observed.charAt(0).toUpperCase() + observed.slice(1)}<br>
Gate: ${describeThresholds(v.thresholds)}</p></div>
</section>`
}

function totals(r: Report): Raw {
  const t = r.totals
  const th = r.verdict.thresholds
  const stat = (label: string, value: string, cls = '', note = '', title = '') =>
    html`<div class="stat${cls ? ` ${cls}` : ''}"${title ? html` title="${title}"` : ''}><div class="v">${value}</div><div class="l">${label}</div>${note ? html`<div class="l">${note}</div>` : ''}</div>`
  const errRate = t.errorRate ?? (t.compared > 0 ? t.candidateErrors / t.compared : 0)
  const parts = t.candidateErrorsBy
  return html`<div class="totals" id="totals">
${stat('served', formatCount(t.served))}${stat('mirrored', formatCount(t.mirrored))}${stat('compared', formatCount(t.compared))}
${stat('divergent', formatCount(t.divergent), t.divergent > 0 ? 'bad' : '')}
${stat('divergence rate', formatRate(t.divergenceRate), t.divergenceRate > th.maxDivergence ? 'bad' : '')}
${stat('candidate errors', formatCount(t.candidateErrors), errRate > th.maxErrorRate ? 'bad' : t.candidateErrors > 0 ? 'warn' : '', parts ? `${formatCount(parts.status5xx)} 5xx · ${formatCount(parts.network)} network` : '', 'The candidate failed where the primary did not: answered 5xx where the primary answered below 500, or did not answer (network failure, timeout). What the gate\'s error rate judges.')}
${stat('undecided', formatCount(t.undecided ?? 0), (t.undecided ?? 0) > 0 ? 'warn' : '', '', 'Exchanges the noise stage could not judge (it waited for evidence that did not come): counted as divergent, never as equal.')}
${stat('noise only', formatCount(t.noise))}${stat('dropped', formatCount(t.dropped), t.dropped > 0 ? 'warn' : '')}
${stat('skipped', formatCount(t.skipped))}${stat('not mirrored', formatCount(t.notMirrored))}
</div>`
}

function charts(r: Report, groups: readonly EventGroup[]): Raw {
  const timeline = timelineChart(r.timeline, r.verdict.thresholds.maxDivergence, groups)
  const latency = latencyChart(r.endpoints, r.verdict.thresholds.maxLatencyRatio)
  if (!timeline && !latency) return html``
  const panel = (title: string, chart: Raw | null, caption: Raw, none: string) =>
    html`<figure class="card"><h3>${title}</h3>${chart ?? html`<div class="empty">${none}</div>`}<figcaption>${caption}</figcaption></figure>`
  return html`<h2>Over time and latency</h2><div class="charts">
${panel('Divergence rate per minute (UTC)', timeline, legend.timeline, 'No timeline recorded.')}
${panel('Latency per endpoint: primary vs candidate', latency, legend.latency, 'No latency recorded.')}
</div>`
}

/**
 * Renders the report as a complete HTML document.
 *
 * @example writeFileSync('report.html', renderHtml(report))
 */
export function renderHtml(report: Report): string {
  const { window: w } = report
  const span = w.since && w.until ? ` (${formatDuration(Date.parse(w.until) - Date.parse(w.since))})` : ''
  const nothing = report.totals.compared === 0
  const withExamples = report.endpoints.some((e) => e.examples.length > 0)
  // One numbering of the audit events for the chart's markers and the table's rows.
  const groups = groupEvents(report.events, timelineSpan(report.timeline))
  const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${outcomeOf(report.verdict).toUpperCase()} · shadowdiff report · ${formatTime(report.generatedAt)}</title>
<style>${raw(CSS)}</style></head>
<body><main>
<header class="top"><h1>shadowdiff <span>primary vs candidate</span></h1>
<div class="meta"><span>Window: ${w.since || w.until ? `${formatTime(w.since)} → ${formatTime(w.until)}${span}` : 'whole recording'}</span><span>Generated: ${formatTime(report.generatedAt)}</span><span>Source: ${report.sources.join(', ') || '–'}</span></div></header>
${verdictBanner(report.verdict, report.totals.compared, report.window)}${trafficLine(report)}
${(report.hints ?? []).map((h) => html`<div class="card hint" id="hint-${h.kind}" role="note"><strong>Hint:</strong> ${h.message}</div>`)}
${totals(report)}
${nothing ? html`<div class="card empty" id="nothing-compared"><strong>Nothing was compared in this window.</strong><br>No mirrored exchange completed on both sides, so there is no divergence to show. Check that traffic reached the proxy and that mirroring is enabled.</div>` : ''}
${charts(report, groups)}
${report.endpoints.length ? html`<h2>Endpoints</h2><p class="muted">Endpoints failing the gate first, then by divergent count. Click a column header to sort.</p>${endpointTable(report.endpoints, report.verdict)}` : ''}
${report.endpoints.some((e) => e.divergent > 0 || e.fields.length > 0) ? html`<div class="toolbar"><h2>Differences by endpoint</h2>${withExamples ? html`<button type="button" id="toggle-examples">Expand all examples</button>` : ''}</div>` : ''}
${endpointDetails(report.endpoints, report.verdict)}
${auditTable(report.events, groups)}
<footer>shadowdiff · bodies are shown as recorded (truncated to the capture cap, secrets redacted); JSON is pretty-printed with sorted keys.</footer>
</main><script>${raw(SCRIPT)}</script></body></html>
`
  return page.value
}

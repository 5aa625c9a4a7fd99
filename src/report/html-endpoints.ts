/**
 * The per-endpoint parts of the HTML report: the sortable summary table and,
 * for every endpoint that differed, its differing fields and example diffs.
 */
import { html, type Raw } from './html-escape.js'
import { renderExample } from './html-example.js'
import {
  endpointGateState,
  endpointKey,
  failingReasons,
  formatCount,
  formatMs,
  formatRate,
  reviewOrder,
  type EndpointGateState,
} from './render-format.js'
import type { EndpointReport, GateVerdict } from './report-types.js'

const STATE_LABEL: Record<EndpointGateState, string> = { fail: 'fail', low: 'few samples', pass: 'pass' }
const STATE_ORDER: Record<EndpointGateState, number> = { fail: 2, low: 1, pass: 0 }

/** Anchor id of an endpoint's detail section, by its index in `report.endpoints`. */
function anchor(i: number): string {
  return `ep-${i}`
}

function hasDetail(e: EndpointReport, verdict: GateVerdict): boolean {
  return e.divergent > 0 || e.fields.length > 0 || e.examples.length > 0 || !!failingReasons(verdict.failingEndpoints, e)
}

/** A latency cell, flagged when the candidate is more than 20% slower than the primary. */
function latencyCells(p: number, c: number): Raw {
  const worse = p > 0 && c > p * 1.2
  return html`<td class="lat" data-v="${p}">${formatMs(p)}</td><td data-v="${c}"${worse ? html` class="worse"` : ''}>${formatMs(c)}</td>`
}

/**
 * The endpoint table. Each sortable header carries `data-sort` (`num` or
 * `text`) and `data-col` (the body column it sorts); numeric cells carry their raw value in `data-v` so sorting never
 * parses formatted text. `data-i` keeps the original order for ties.
 */
export function endpointTable(endpoints: readonly EndpointReport[], verdict: GateVerdict): Raw {
  if (endpoints.length === 0) return html`<div class="card empty">No endpoint was compared in this window.</div>`
  const order = reviewOrder(endpoints, verdict)
  const rows = order.map((e, i) => {
    const idx = endpoints.indexOf(e)
    const state = endpointGateState(verdict, e)
    const route = hasDetail(e, verdict) ? html`<a href="#${anchor(idx)}">${e.route}</a>` : e.route
    return html`<tr data-i="${i}" data-key="${endpointKey(e)}">
<td class="l" data-v="${STATE_ORDER[state]}"><span class="pill ${state}">${STATE_LABEL[state]}</span></td>
<td class="l method">${e.method}</td><td class="l route">${route}</td>
<td data-v="${e.compared}">${formatCount(e.compared)}</td><td data-v="${e.mirroredShare ?? -1}" title="compared of the mirror-eligible requests">${e.mirroredShare === undefined ? '–' : formatRate(e.mirroredShare)}</td><td data-v="${e.divergent}">${formatCount(e.divergent)}</td>
<td data-v="${e.rate}">${formatRate(e.rate)}<span class="ratebar"><i style="width:${Math.min(100, e.rate * 100 * 5).toFixed(1)}%"></i></span></td>
<td data-v="${errorRate(e)}"${e.candidateErrors > 0 ? html` class="worse"` : ''} title="${errorTitle(e)}">${formatRate(errorRate(e))}</td>
${latencyCells(e.latency.primary.p50, e.latency.candidate.p50)}${latencyCells(e.latency.primary.p99, e.latency.candidate.p99)}</tr>`
  })
  // Two header rows (latency grouped by percentile); `data-col` names the body column each sortable header sorts.
  let col = 0
  const th = (label: string, type: 'num' | 'text', cls = '', rowspan = 1) =>
    html`<th scope="col" data-sort="${type}" data-col="${col++}"${rowspan > 1 ? html` rowspan="${rowspan}"` : ''}${cls ? html` class="${cls}"` : ''}><button type="button">${label}</button></th>`
  const first = [th('Gate', 'num', 'l', 2), th('Method', 'text', 'l', 2), th('Route', 'text', 'l', 2), th('Compared', 'num', '', 2), th('Of eligible', 'num', '', 2), th('Divergent', 'num', '', 2), th('Rate', 'num', '', 2), th('Cand. errors', 'num', '', 2)]
  const second = [th('primary', 'num'), th('cand.', 'num'), th('primary', 'num'), th('cand.', 'num')]
  return html`<div class="tbl-wrap"><table class="endpoints" id="endpoints">
<thead><tr>${first}<th colspan="2" class="group">p50 latency</th><th colspan="2" class="group">p99 latency</th></tr><tr>${second}</tr></thead>
<tbody>${rows}</tbody></table></div>`
}

/** Candidate errors over compared: the gate's error rate. */
function errorRate(e: EndpointReport): number {
  return e.errorRate ?? (e.compared > 0 ? e.candidateErrors / e.compared : 0)
}

function errorTitle(e: EndpointReport): string {
  const p = e.candidateErrorsBy
  return p ? `${p.status5xx} 5xx where the primary was not, ${p.network} network/timeouts` : ''
}

function fieldsTable(e: EndpointReport): Raw {
  if (e.fields.length === 0) return html`<p class="muted">No differing fields were recorded.</p>`
  const rows = e.fields.map((f) => {
    const allNoise = f.decision === undefined ? f.count > 0 && f.noiseCount >= f.count : f.decision === 'noise'
    const undecided = f.decision === 'undecided'
    return html`<tr${allNoise ? html` class="noise"` : undecided ? html` class="undecided"` : ''}><td class="l"><code>${f.field}</code>${allNoise ? html` <span class="kind">noise</span>` : undecided ? html` <span class="kind">undecided</span>` : ''}</td><td class="l">${f.op}</td><td>${formatCount(f.count)}</td><td>${formatCount(f.noiseCount)}</td><td>${e.compared > 0 ? formatRate((f.count - f.noiseCount) / e.compared) : '–'}</td><td class="l" title="${decisionTitle(f)}">${f.decision ?? '–'}</td></tr>`
  })
  return html`<table class="fields"><thead><tr><th class="l">Field</th><th class="l">Op</th><th>Count</th><th>Noise</th><th title="Count minus noise, over compared exchanges">% of compared</th><th class="l" title="Divergent, noise, too few secondary answers to accept the noise (insufficient-data), or no noise verdict reached (undecided)">Decision</th></tr></thead><tbody>${rows}</tbody></table>`
}

/** The evidence behind a field's decision, for a tooltip. */
function decisionTitle(f: EndpointReport['fields'][number]): string {
  const parts: string[] = []
  if (f.secondary) parts.push(`primary vs secondary differed in ${f.secondary.differed} of ${f.secondary.samples}`)
  if (f.pValue !== undefined) parts.push(`one-sided Fisher p = ${f.pValue.toPrecision(3)}`)
  return parts.join('; ')
}

/** Detail sections in review order (failing, then worst first); endpoints that never differed are listed in one line. */
export function endpointDetails(endpoints: readonly EndpointReport[], verdict: GateVerdict): Raw {
  const withDetail = reviewOrder(endpoints, verdict).filter((e) => hasDetail(e, verdict))
  const clean = endpoints.filter((e) => !hasDetail(e, verdict))
  const sections = withDetail.map((e) => {
    const state = endpointGateState(verdict, e)
    const reasons = failingReasons(verdict.failingEndpoints, e)
    return html`<section class="endpoint card" id="${anchor(endpoints.indexOf(e))}">
<div class="head"><span class="pill ${state}">${STATE_LABEL[state]}</span><h3>${e.method} ${e.route}</h3>
<span class="muted">${formatCount(e.divergent)} of ${formatCount(e.compared)} compared divergent (${formatRate(e.rate)})${(e.undecided ?? 0) > 0 ? `, ${formatCount(e.undecided!)} undecided` : ''} · ${formatCount(e.served)} served${e.mirroredShare === undefined ? '' : html`, ${formatRate(e.mirroredShare)} of the eligible compared`} · candidate errors ${formatCount(e.candidateErrors)}${e.candidateErrorsBy ? ` (${formatCount(e.candidateErrorsBy.status5xx)} 5xx where the primary was not, ${formatCount(e.candidateErrorsBy.network)} network/timeouts)` : ''}</span></div>
${reasons ? html`<div class="fails"><ul>${reasons.map((r) => html`<li>${r}</li>`)}</ul></div>` : ''}
<h4>Differing fields</h4>${fieldsTable(e)}
${e.examples.length ? html`<h4>Examples</h4>${e.examples.map((ex, i) => renderExample(ex, i === 0))}` : ''}
</section>`
  })
  const cleanLine = clean.length
    ? html`<p class="muted">No differences on ${clean.length} endpoint${clean.length === 1 ? '' : 's'}: ${clean.map((e, i) => html`${i ? ', ' : ''}<code>${endpointKey(e)}</code>`)}.</p>`
    : ''
  if (sections.length === 0 && !cleanLine) return html``
  return html`${sections}${cleanLine}`
}

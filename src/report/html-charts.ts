/**
 * Inline SVG charts for the HTML report: no library, no script, nothing
 * fetched. Hover tooltips use SVG `<title>`, which every browser shows
 * natively. All labels go through the escaping `html` template.
 */
import { html, raw, type Raw } from './html-escape.js'
import { endpointKey, formatClock, formatCount, formatMs, formatRate, formatTime } from './render-format.js'
import type { AuditEvent, EndpointReport, TimelinePoint } from './report-types.js'

const MINUTE = 60_000

/** Rounds a maximum up to a round number (1, 1.2, 1.5, 2 … 8 × 10ⁿ) whose quarters are readable ticks. */
function niceMax(v: number): number {
  if (v <= 0) return 1
  const p = 10 ** Math.floor(Math.log10(v))
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (v <= m * p) return m * p
  return 10 * p
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`
}

/**
 * Divergence rate per minute as a line (with the gate threshold dashed), the
 * compared volume as a strip of bars below it, and audit events as vertical
 * markers. Minutes without compared traffic break the line rather than being
 * drawn as 0%. Returns null when there is nothing to plot.
 */
export function timelineChart(points: readonly TimelinePoint[], threshold: number, events: readonly AuditEvent[]): Raw | null {
  const pts = points
    .map((p) => ({ ...p, t: Date.parse(p.at) }))
    .filter((p) => !Number.isNaN(p.t))
    .sort((a, b) => a.t - b.t)
  if (pts.length === 0) return null
  const W = 640
  const L = 48
  const R = 620
  const rateTop = 14
  const rateBottom = 208
  const volTop = 226
  const volBottom = 266
  const t0 = pts[0].t
  const t1 = pts[pts.length - 1].t + MINUTE
  const x = (t: number) => L + ((t - t0) / (t1 - t0)) * (R - L)
  const rates = pts.map((p) => (p.compared > 0 ? p.divergent / p.compared : NaN))
  const top = niceMax(Math.max(threshold, ...rates.filter((r) => !Number.isNaN(r))) * 1.1)
  const y = (r: number) => rateBottom - (r / top) * (rateBottom - rateTop)
  const maxVol = Math.max(1, ...pts.map((p) => p.compared))
  const slot = (MINUTE / (t1 - t0)) * (R - L)

  const grid = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const yy = y(top * f).toFixed(1)
    return html`<line class="grid" x1="${L}" x2="${R}" y1="${yy}" y2="${yy}"/><text class="axis" x="${L - 6}" y="${yy}" dy="0.32em" text-anchor="end">${formatRate(top * f)}</text>`
  })

  // One path segment per run of consecutive minutes that compared something.
  const segments: string[] = []
  let current: string[] = []
  pts.forEach((p, i) => {
    const gap = i > 0 && p.t - pts[i - 1].t > 1.5 * MINUTE
    if (Number.isNaN(rates[i]) || gap) {
      if (current.length) segments.push(current.join(' '))
      current = []
    }
    if (!Number.isNaN(rates[i])) current.push(`${(x(p.t) + slot / 2).toFixed(1)},${y(rates[i]).toFixed(1)}`)
  })
  if (current.length) segments.push(current.join(' '))

  const lines = segments.map((s) => html`<polyline class="rate" points="${s}"/>`)
  const dots = pts.map((p, i) =>
    Number.isNaN(rates[i])
      ? ''
      : html`<circle class="dot${rates[i] > threshold ? ' over' : ''}" cx="${(x(p.t) + slot / 2).toFixed(1)}" cy="${y(rates[i]).toFixed(1)}" r="3"><title>${formatClock(p.t)} UTC — ${formatRate(rates[i])} (${formatCount(p.divergent)} of ${formatCount(p.compared)} divergent)</title></circle>`,
  )
  const bars = pts.map((p) => {
    const h = (p.compared / maxVol) * (volBottom - volTop)
    const hd = (p.divergent / maxVol) * (volBottom - volTop)
    const bx = (x(p.t) + slot * 0.12).toFixed(1)
    const bw = Math.max(1, slot * 0.76).toFixed(1)
    return html`<g><title>${formatClock(p.t)} UTC — ${formatCount(p.compared)} compared, ${formatCount(p.divergent)} divergent</title><rect class="vol" x="${bx}" y="${(volBottom - h).toFixed(1)}" width="${bw}" height="${h.toFixed(1)}"/><rect class="vol-div" x="${bx}" y="${(volBottom - hd).toFixed(1)}" width="${bw}" height="${hd.toFixed(1)}"/></g>`
  })

  const step = Math.max(1, Math.ceil((t1 - t0) / MINUTE / 6))
  const ticks: Raw[] = []
  for (let t = t0; t <= t1; t += step * MINUTE) {
    ticks.push(html`<text class="axis" x="${x(t).toFixed(1)}" y="282" text-anchor="middle">${formatClock(t)}</text>`)
  }

  let lastLabel = -Infinity
  const marks = events
    .map((e) => ({ e, t: Date.parse(e.at) }))
    .filter(({ t }) => t >= t0 && t <= t1)
    .map(({ e, t }) => {
      const ex = x(t)
      const label = ex - lastLabel > 70 ? (lastLabel = ex) : null
      return html`<g class="event"><title>${formatTime(e.at)} — ${e.type} by ${e.actor}: ${e.cause}</title><line x1="${ex.toFixed(1)}" x2="${ex.toFixed(1)}" y1="${rateTop}" y2="${volBottom}"/><path d="M${(ex - 4).toFixed(1)},${rateTop - 8} h8 l-4,6 z"/>${label !== null ? html`<text x="${(ex + 4).toFixed(1)}" y="${rateTop + 10}">${truncate(e.type, 14)}</text>` : ''}</g>`
    })

  const thY = y(threshold).toFixed(1)
  const thresholdLine =
    threshold > 0
      ? html`<line class="threshold" x1="${L}" x2="${R}" y1="${thY}" y2="${thY}"/><text class="threshold-label" x="${R}" y="${thY}" dy="-4" text-anchor="end">gate max ${formatRate(threshold)}</text>`
      : ''

  return html`<svg class="chart" id="chart-timeline" viewBox="0 0 ${W} 290" role="img" aria-label="Divergence rate per minute">
<desc>Divergence rate per minute between ${formatTime(pts[0].at)} and ${formatTime(new Date(t1).toISOString())}.</desc>
${grid}${thresholdLine}${lines}${dots}
<line class="grid" x1="${L}" x2="${R}" y1="${volBottom}" y2="${volBottom}"/>
<text class="axis" x="${L - 6}" y="${(volTop + volBottom) / 2}" dy="0.32em" text-anchor="end">volume</text>
${bars}${marks}${ticks}
</svg>`
}

/**
 * Latency per endpoint as paired bullet bars: primary then candidate, the
 * dark part p50 and the whole bar p99, on one shared linear scale. A
 * candidate p99 above `maxRatio` × primary p99 is flagged. Busiest endpoints
 * first, at most `limit` rows.
 */
export function latencyChart(endpoints: readonly EndpointReport[], maxRatio: number, limit = 12): Raw | null {
  const rows = [...endpoints].filter((e) => e.compared > 0).sort((a, b) => b.compared - a.compared).slice(0, limit)
  if (rows.length === 0) return null
  const W = 640
  const L = 250
  const R = 530
  const rowH = 46
  const top = niceMax(Math.max(...rows.flatMap((e) => [e.latency.primary.p99, e.latency.candidate.p99])))
  const x = (ms: number) => L + (Math.max(0, ms) / top) * (R - L)
  const H = rows.length * rowH + 34

  const body = rows.map((e, i) => {
    const y0 = 8 + i * rowH
    const p = e.latency.primary
    const c = e.latency.candidate
    const slow = maxRatio > 0 && p.p99 > 0 && c.p99 / p.p99 > maxRatio
    const bar = (cls: string, yy: number, s: typeof p, flag: boolean) =>
      html`<rect class="${cls} p99" x="${L}" y="${yy}" width="${(x(s.p99) - L).toFixed(1)}" height="14" rx="2"/><rect class="${cls} p50" x="${L}" y="${yy}" width="${(x(s.p50) - L).toFixed(1)}" height="14" rx="2"/><text class="val${flag ? ' slow' : ''}" x="${(x(s.p99) + 6).toFixed(1)}" y="${yy + 7}" dy="0.32em">${formatMs(s.p50)} / ${formatMs(s.p99)}</text>`
    return html`<g class="lat-row"><title>${endpointKey(e)} — primary p50 ${formatMs(p.p50)}, p99 ${formatMs(p.p99)}; candidate p50 ${formatMs(c.p50)}, p99 ${formatMs(c.p99)}</title>
<text class="ep" x="${L - 10}" y="${y0 + 16}" text-anchor="end"><tspan class="m">${truncate(e.method, 7)}</tspan> ${truncate(e.route, 32 - Math.min(e.method.length, 7))}</text>
${bar('pri', y0 + 1, p, false)}${bar('cand', y0 + 17, c, slow)}</g>`
  })

  const axis = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const xx = x(top * f).toFixed(1)
    return html`<line class="grid" x1="${xx}" x2="${xx}" y1="4" y2="${H - 26}"/><text class="axis" x="${xx}" y="${H - 12}" text-anchor="middle">${formatMs(top * f)}</text>`
  })
  return html`<svg class="chart" id="chart-latency" viewBox="0 0 ${W} ${H}" role="img" aria-label="Latency per endpoint, primary versus candidate">
<desc>p50 and p99 latency per endpoint; first bar primary, second candidate.</desc>
${axis}${body}</svg>`
}

/** The legend markup shared by the two charts' captions. */
export const legend = {
  timeline: raw(
    '<span class="key"><i class="sw rate"></i>divergence rate</span><span class="key"><i class="sw threshold"></i>gate threshold</span><span class="key"><i class="sw vol"></i>compared</span><span class="key"><i class="sw vol-div"></i>divergent (volume per minute)</span><span class="key"><i class="sw event"></i>audit event</span>',
  ),
  latency: raw(
    '<span class="key"><i class="sw pri"></i>primary</span><span class="key"><i class="sw cand"></i>candidate</span><span class="key">dark = p50, full bar = p99; labels p50 / p99</span>',
  ),
}

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
 * A minute with fewer compared exchanges than this is "low count": its rate
 * (1 of 1 = 100%) says little. It is drawn as a faint hollow dot labelled
 * with its counts, left out of the line and of the axis scale. The floor is
 * 10 exchanges, or a tenth of the median minute when traffic is heavier.
 */
export function lowCountFloor(points: readonly TimelinePoint[]): number {
  const counts = points.map((p) => p.compared).filter((c) => c > 0).sort((a, b) => a - b)
  const median = counts.length === 0 ? 0 : counts[Math.floor(counts.length / 2)]
  return Math.max(10, Math.ceil(median / 10))
}

/** The time span the timeline chart covers, or null without points. */
export function timelineSpan(points: readonly TimelinePoint[]): { t0: number; t1: number } | null {
  const ts = points.map((p) => Date.parse(p.at)).filter((t) => !Number.isNaN(t))
  if (ts.length === 0) return null
  return { t0: Math.min(...ts), t1: Math.max(...ts) + MINUTE }
}

/** Audit events close together in time, shown as one marker with one label and numbered in the audit table. */
export interface EventGroup {
  /** 1-based, in time order: the marker's number in the chart and the table. */
  n: number
  t: number
  events: AuditEvent[]
}

/**
 * Groups events (in time order) whose markers would nearly touch: each
 * within 4% of the chart's width of the previous one, a group spanning at
 * most 8%. A promotion's steps seconds apart become one marker, not a smudge
 * of overlapping ones.
 */
export function groupEvents(events: readonly AuditEvent[], span: { t0: number; t1: number } | null): EventGroup[] {
  const sorted = events.map((e) => ({ e, t: Date.parse(e.at) })).filter(({ t }) => !Number.isNaN(t)).sort((a, b) => a.t - b.t)
  const width = span ? span.t1 - span.t0 : 0
  const groups: (EventGroup & { lastT: number })[] = []
  for (const { e, t } of sorted) {
    const last = groups.at(-1)
    if (last && t - last.lastT <= width * 0.04 && t - last.t <= width * 0.08) {
      last.events.push(e)
      last.lastT = t
    } else {
      groups.push({ n: groups.length + 1, t, lastT: t, events: [e] })
    }
  }
  return groups.map(({ n, t, events: list }) => ({ n, t, events: list }))
}

/** `promotion`, `weight ×3`, or `promotion, weight ×3`: what a group holds, by type. */
export function groupLabel(g: EventGroup): string {
  const byType = new Map<string, number>()
  for (const e of g.events) byType.set(e.type, (byType.get(e.type) ?? 0) + 1)
  return [...byType].map(([type, k]) => (k > 1 ? `${type} ×${k}` : type)).join(', ')
}

/**
 * Divergence rate per minute as a line (with the gate threshold dashed), the
 * compared volume as a strip of bars below it, and audit events as numbered
 * markers (events close together share one). Minutes without compared
 * traffic break the line rather than being drawn as 0%; low-count minutes
 * (lowCountFloor) are faint dots with their counts, never a lone spike. The
 * axis never goes above 100%. Returns null when there is nothing to plot.
 */
export function timelineChart(points: readonly TimelinePoint[], threshold: number, groups: readonly EventGroup[]): Raw | null {
  const pts = points
    .map((p) => ({ ...p, t: Date.parse(p.at) }))
    .filter((p) => !Number.isNaN(p.t))
    .sort((a, b) => a.t - b.t)
  if (pts.length === 0) return null
  const W = 640
  const L = 48
  const R = 620
  const rateTop = 36
  const rateBottom = 208
  const volTop = 226
  const volBottom = 266
  const t0 = pts[0].t
  const t1 = pts[pts.length - 1].t + MINUTE
  const x = (t: number) => L + ((t - t0) / (t1 - t0)) * (R - L)
  const floor = lowCountFloor(points)
  const rates = pts.map((p) => (p.compared > 0 ? p.divergent / p.compared : NaN))
  const low = pts.map((p) => p.compared > 0 && p.compared < floor)
  // The scale follows the minutes that have enough exchanges; with none, all of them.
  const scaled = rates.filter((r, i) => !Number.isNaN(r) && (!low[i] || low.every((l, j) => l || Number.isNaN(rates[j]))))
  const top = Math.min(1, niceMax(Math.max(threshold, ...scaled) * 1.1))
  const y = (r: number) => rateBottom - (Math.min(r, top) / top) * (rateBottom - rateTop)
  const maxVol = Math.max(1, ...pts.map((p) => p.compared))
  const slot = (MINUTE / (t1 - t0)) * (R - L)
  const cx = (t: number) => (x(t) + slot / 2).toFixed(1)

  const grid = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const yy = y(top * f).toFixed(1)
    return html`<line class="grid" x1="${L}" x2="${R}" y1="${yy}" y2="${yy}"/><text class="axis" x="${L - 6}" y="${yy}" dy="0.32em" text-anchor="end">${formatRate(top * f)}</text>`
  })

  // One path segment per run of consecutive minutes that compared something;
  // low-count minutes are stepped over, not drawn through.
  const segments: string[] = []
  let current: string[] = []
  let lastT = -Infinity
  pts.forEach((p, i) => {
    if (Number.isNaN(rates[i]) || p.t - lastT > 1.5 * MINUTE) {
      if (current.length) segments.push(current.join(' '))
      current = []
    }
    if (Number.isNaN(rates[i])) return
    lastT = p.t
    if (!low[i]) current.push(`${cx(p.t)},${y(rates[i]).toFixed(1)}`)
  })
  if (current.length) segments.push(current.join(' '))

  const lines = segments.map((s) => html`<polyline class="rate" points="${s}"/>`)
  const dots = pts.map((p, i) => {
    if (Number.isNaN(rates[i])) return ''
    const counts = `${formatCount(p.divergent)} of ${formatCount(p.compared)} divergent`
    if (!low[i]) {
      return html`<circle class="dot${rates[i] > threshold ? ' over' : ''}" cx="${cx(p.t)}" cy="${y(rates[i]).toFixed(1)}" r="3"><title>${formatClock(p.t)} UTC — ${formatRate(rates[i])} (${counts})</title></circle>`
    }
    // Above the axis' top it sits on the top line, marked ↑, its label below it (the band above holds the event labels).
    const clipped = rates[i] > top
    const ly = y(rates[i]) + (y(rates[i]) < rateTop + 14 ? 14 : -7)
    return html`<g class="low"><title>${formatClock(p.t)} UTC — ${formatRate(rates[i])} (${counts}): only ${formatCount(p.compared)} compared, too few to read as a rate</title><circle class="dot low" cx="${cx(p.t)}" cy="${y(rates[i]).toFixed(1)}" r="3.5"/><text class="count" x="${cx(p.t)}" y="${ly.toFixed(1)}" text-anchor="middle">${clipped ? '↑' : ''}${formatCount(p.divergent)}/${formatCount(p.compared)}</text></g>`
  })
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

  // Labels sit in a band above the plot; one that would overlap the previous drops to a second row.
  const rowEnd = [-Infinity, -Infinity]
  const marks = groups
    .filter((g) => g.t >= t0 && g.t <= t1)
    .map((g) => {
      const ex = x(g.t)
      const text = `${g.n} ${truncate(groupLabel(g), 22)}`
      const width = text.length * 6 + 18
      const row = ex >= rowEnd[0] ? 0 : ex >= rowEnd[1] ? 1 : rowEnd[0] <= rowEnd[1] ? 0 : 1
      const anchorEnd = ex + width > W
      rowEnd[row] = anchorEnd ? ex + 4 : ex + width
      const ly = 10 + row * 13
      const tip = g.events.map((e) => `${formatTime(e.at)} — ${e.type} by ${e.actor}: ${e.cause}`).join('\n')
      return html`<g class="event" data-n="${g.n}"><title>${tip}</title><line x1="${ex.toFixed(1)}" x2="${ex.toFixed(1)}" y1="${ly + 2}" y2="${volBottom}"/><circle cx="${ex.toFixed(1)}" cy="${ly - 3}" r="5.5"/><text class="n" x="${ex.toFixed(1)}" y="${ly - 3}" dy="0.35em" text-anchor="middle">${g.n}</text><text x="${(anchorEnd ? ex - 8 : ex + 8).toFixed(1)}" y="${ly - 3}" dy="0.35em" text-anchor="${anchorEnd ? 'end' : 'start'}">${truncate(groupLabel(g), 22)}</text></g>`
    })

  const thY = y(threshold).toFixed(1)
  const thresholdLine =
    threshold > 0 && threshold <= top
      ? html`<line class="threshold" x1="${L}" x2="${R}" y1="${thY}" y2="${thY}"/><text class="threshold-label" x="${R}" y="${thY}" dy="-4" text-anchor="end">gate max ${formatRate(threshold)}</text>`
      : ''

  return html`<svg class="chart" id="chart-timeline" viewBox="0 0 ${W} 290" role="img" aria-label="Divergence rate per minute">
<desc>Divergence rate per minute between ${formatTime(pts[0].at)} and ${formatTime(new Date(t1).toISOString())}; minutes with fewer than ${floor} compared exchanges are faint dots labelled divergent/compared.</desc>
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
    '<span class="key"><i class="sw rate"></i>divergence rate</span><span class="key"><i class="sw low"></i>few exchanges (divergent/compared)</span><span class="key"><i class="sw threshold"></i>gate threshold</span><span class="key"><i class="sw vol"></i>compared</span><span class="key"><i class="sw vol-div"></i>divergent (volume per minute)</span><span class="key"><i class="sw event"></i>audit events, numbered as in the audit trail</span>',
  ),
  latency: raw(
    '<span class="key"><i class="sw pri"></i>primary</span><span class="key"><i class="sw cand"></i>candidate</span><span class="key">dark = p50, full bar = p99; labels p50 / p99</span>',
  ),
}

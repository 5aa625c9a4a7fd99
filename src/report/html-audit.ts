/**
 * The audit trail as a table a person reads: when, what, who, why, and the
 * change in words ("shadow → split 5%", "running step 2 at 5% → rolled
 * back"), numbered like the markers on the timeline chart. Events with data
 * of a shape this file does not know show it as `key: value` pairs, never as
 * raw JSON.
 */
import { html, type Raw } from './html-escape.js'
import { formatTime } from './render-format.js'
import type { AuditEvent } from './report-types.js'
import type { EventGroup } from './html-charts.js'

type Rec = Record<string, unknown>

const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v)

/** `shadow`, `split 5%`, `candidate`, with ", no reverse shadow" when it is off. */
function trafficText(s: Rec): string {
  const where = s.mode === 'split' ? `split ${String(s.weight)}%` : String(s.mode)
  return s.reverseShadow === false && s.mode !== 'shadow' ? `${where}, no reverse shadow` : where
}

/** `running, step 2 at 5%`, `rolled back at step 3`, `idle`. */
function phaseText(p: Rec): string {
  const state = String(p.state).replace('-', ' ')
  if (typeof p.step !== 'number' || p.step === 0) return state
  return p.state === 'running' || p.state === 'paused' ? `${state}, step ${p.step} at ${String(p.weight)}%` : `${state} at step ${p.step}`
}

function flat(v: unknown): string {
  if (Array.isArray(v)) return v.map(flat).join('; ')
  if (isRec(v)) return Object.entries(v).map(([k, x]) => `${k}: ${flat(x)}`).join(', ')
  return String(v)
}

/** The change an event records, in words. */
export function describeChange(e: AuditEvent): string {
  const d = e.data
  if (!isRec(d) || Object.keys(d).length === 0) return ''
  const { from, to, reasons, ...rest } = d
  let text = ''
  if (isRec(from) && isRec(to)) {
    const describe = 'mode' in to ? trafficText : 'state' in to ? phaseText : flat
    const a = describe(from)
    const b = describe(to)
    text = a === b ? `${b} (unchanged)` : `${a} → ${b}`
  } else if (from !== undefined || to !== undefined) {
    text = `${flat(from)} → ${flat(to)}`
  }
  const why = Array.isArray(reasons) && reasons.length > 0 ? `because ${reasons.map(String).join('; ')}` : ''
  const more = Object.keys(rest).length > 0 ? flat(rest) : ''
  return [text, why, more].filter(Boolean).join('; ')
}

/** The audit trail table; `groups` (from the timeline) give each row its marker number. */
export function auditTable(events: readonly AuditEvent[], groups: readonly EventGroup[]): Raw {
  if (events.length === 0) return html``
  const marker = new Map<AuditEvent, number>()
  for (const g of groups) for (const e of g.events) marker.set(e, g.n)
  const sorted = [...events].sort((a, b) => a.at.localeCompare(b.at))
  const rows = sorted.map((e) => {
    const n = marker.get(e)
    return html`<tr><td class="n">${n === undefined ? '' : String(n)}</td><td class="t">${formatTime(e.at)}</td><td class="type">${e.type}</td><td><code>${e.actor}</code></td><td class="cause">${e.cause}</td><td class="change">${describeChange(e)}</td></tr>`
  })
  return html`<h2>Audit trail</h2><div class="card"><table class="events" id="events"><thead><tr><th title="Marker on the timeline chart">#</th><th>Time</th><th>Event</th><th>By</th><th>Cause</th><th>Change</th></tr></thead><tbody>${rows}</tbody></table></div>`
}

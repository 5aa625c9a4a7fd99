/**
 * Number, time and label formatting shared by the HTML, Markdown and JUnit
 * renderers, so the three formats print the same value the same way.
 * Everything here is locale- and timezone-independent: a report rendered in
 * CI and one rendered on a laptop must read identically.
 */
import type { EndpointReport, GateVerdict } from './report-types.js'

/** `12345` → `12,345`. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '–'
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/**
 * A ratio in [0, 1] as a percentage with enough digits to tell small rates
 * apart: `0` → `0%`, `0.00042` → `0.04%`, `0.0123` → `1.23%`, `0.25` → `25.0%`.
 */
export function formatRate(rate: number): string {
  if (!Number.isFinite(rate)) return '–'
  if (rate === 0) return '0%'
  const pct = rate * 100
  if (pct < 0.01) return '<0.01%'
  if (pct < 10) return `${pct.toFixed(2)}%`
  return `${pct.toFixed(1)}%`
}

/** Milliseconds, switching to seconds above one second: `0.4 ms`, `12 ms`, `1.25 s`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–'
  if (ms === 0) return '0 ms'
  if (ms < 10) return `${ms.toFixed(1)} ms`
  if (ms < 1000) return `${Math.round(ms)} ms`
  return `${(ms / 1000).toFixed(2)} s`
}

/** An ISO timestamp as `2024-05-01 12:03:07 UTC`; unparsable input is returned as given. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '–'
  const t = Date.parse(iso)
  if (Number.isNaN(t)) return iso
  return `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC`
}

/** `HH:MM` in UTC, for chart axes. */
export function formatClock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16)
}

/** A duration in milliseconds as `42 s`, `31 min`, `2 h 05 min`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–'
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s} s`
  const min = Math.round(s / 60)
  if (min < 60) return `${min} min`
  return `${Math.floor(min / 60)} h ${String(min % 60).padStart(2, '0')} min`
}

/** The endpoint's display key, `GET /users/:id`, as the gate's failingEndpoints name it. */
export function endpointKey(e: { method: string; route: string }): string {
  return `${e.method} ${e.route}`
}

/** Whether the verdict lists this endpoint as failing the gate. */
export function failingReasons(
  failing: { method: string; route: string; reasons: string[] }[],
  e: { method: string; route: string },
): string[] | undefined {
  return failing.find((f) => f.method === e.method && f.route === e.route)?.reasons
}

/**
 * Endpoints ordered worst first: most divergent exchanges, then highest rate,
 * then most candidate 5xx; ties keep a stable, readable order by key.
 */
export function worstFirst(endpoints: readonly EndpointReport[]): EndpointReport[] {
  return [...endpoints].sort(
    (a, b) =>
      b.divergent - a.divergent ||
      b.rate - a.rate ||
      b.candidate5xx - a.candidate5xx ||
      endpointKey(a).localeCompare(endpointKey(b)),
  )
}

/**
 * The order a reviewer reads endpoints in: those failing the gate first,
 * then the rest worst first.
 */
export function reviewOrder(endpoints: readonly EndpointReport[], verdict: GateVerdict): EndpointReport[] {
  const failing = (e: EndpointReport) => (failingReasons(verdict.failingEndpoints, e) ? 1 : 0)
  return worstFirst(endpoints).sort((a, b) => failing(b) - failing(a))
}

/** How an endpoint stands against the gate: failing it, too few samples to judge, or passing. */
export type EndpointGateState = 'fail' | 'low' | 'pass'

/**
 * The endpoint's gate state. Failing comes from the verdict; "low" means
 * fewer compared exchanges than `minEndpointSamples` (after the per-endpoint
 * override keyed by `METHOD route` or route), so the gate did not judge it.
 */
export function endpointGateState(verdict: GateVerdict, e: EndpointReport): EndpointGateState {
  if (failingReasons(verdict.failingEndpoints, e)) return 'fail'
  const t = verdict.thresholds
  const override = t.endpoints?.[endpointKey(e)] ?? t.endpoints?.[e.route]
  const min = override?.minEndpointSamples ?? t.minEndpointSamples
  return e.compared < min ? 'low' : 'pass'
}

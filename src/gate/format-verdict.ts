/**
 * The gate verdict and its thresholds as sentences, for a terminal, a CI
 * log, the HTML report and JUnit: what was measured against what was
 * allowed, the way a reviewer would say it.
 */
import type { GateThresholds, GateVerdict } from '../report/report-types.js'

/**
 * One headline (PASS/FAIL, then the measured rates against their limits in
 * a sentence), then one line per reason.
 *
 * @example
 *   FAIL (2 reasons): of 290 compared exchanges, 10.3% diverged (1% allowed) and 0.0% were candidate errors (1% allowed); the candidate's p99 latency was 1.20× the primary's (not judged).
 *     - divergence 10.3% > 1.0% (30/290)
 *     - GET /api/users/:id: divergence 12.0% > 1.0% (30/250)
 */
export function formatVerdict(v: GateVerdict): string {
  const head = v.ok ? `PASS: ${measured(v)}` : `FAIL (${v.reasons.length} ${v.reasons.length === 1 ? 'reason' : 'reasons'}): ${measured(v)}`
  return `${[head, ...v.reasons.map((r) => `  - ${r}`)].join('\n')}\n`
}

/**
 * What was measured, against the limits: "of 400 compared exchanges, 17.5%
 * diverged (1.0% allowed) and 5.0% were candidate errors (1.0% allowed); …".
 */
export function measured(v: GateVerdict): string {
  const t = v.thresholds
  if (v.samples === 0) return `nothing was compared (at least ${count(t.minSamples)} compared exchanges are needed).`
  const few = v.samples < t.minSamples ? `, fewer than the ${count(t.minSamples)} needed` : ''
  const rates = `of ${count(v.samples)} compared exchange${v.samples === 1 ? '' : 's'}${few}, ${percent(v.divergenceRate)} diverged (${limit(t.maxDivergence)} allowed) and ${percent(v.errorRate)} were candidate errors (${limit(t.maxErrorRate)} allowed)`
  if (v.latencyRatio === null) return `${rates}.`
  const judged = t.maxLatencyRatio > 0 ? `at most ${t.maxLatencyRatio}× allowed` : 'not judged'
  return `${rates}; the candidate's p99 latency was ${v.latencyRatio.toFixed(2)}× the primary's (${judged}).`
}

/**
 * The thresholds as one paragraph.
 *
 * @example
 *   describeThresholds(DEFAULT_THRESHOLDS)
 *   // 'The candidate passes with at least 100 compared exchanges, at most 1% of them divergent and at most 1% candidate errors, and no endpoint more than 1% divergent (every endpoint is judged, however few its exchanges). Latency is not judged.'
 */
export function describeThresholds(t: GateThresholds): string {
  const endpoints =
    t.minEndpointSamples > 0
      ? `endpoints with fewer than ${count(t.minEndpointSamples)} compared exchanges are not judged`
      : 'every endpoint is judged, however few its exchanges'
  const latency = t.maxLatencyRatio > 0 ? `The candidate's p99 latency may be at most ${t.maxLatencyRatio}× the primary's.` : 'Latency is not judged.'
  const overrides = Object.keys(t.endpoints ?? {}).length
  const own = overrides === 0 ? '' : ` ${overrides} endpoint${overrides === 1 ? ' has its' : 's have their'} own thresholds (gate.endpoints).`
  return (
    `The candidate passes with at least ${count(t.minSamples)} compared exchanges, at most ${limit(t.maxDivergence)} of them divergent ` +
    `and at most ${limit(t.maxErrorRate)} candidate errors, and no endpoint more than ${limit(t.maxEndpointDivergence)} divergent (${endpoints}). ${latency}${own}`
  )
}

/** A measured rate: one decimal, like the reasons ("divergence 17.5% > 1.0%"). */
function percent(x: number): string {
  return `${(x * 100).toFixed(1)}%`
}

/** A limit, exactly as set: 1%, 0.5%, 0.05% (one decimal would show 0.05% as 0.1%). */
function limit(x: number): string {
  return `${Number((x * 100).toFixed(4))}%`
}

function count(n: number): string {
  return n.toLocaleString('en-US')
}

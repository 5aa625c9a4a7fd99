/**
 * The gate verdict and its thresholds as sentences, for a terminal, a CI
 * log, the HTML report and JUnit: what was measured against what was
 * allowed, the way a reviewer would say it; and the sentences every
 * renderer shares: the window judged and the counts used (issue 14: a
 * verdict that does not say what it judged cannot be trusted).
 */
import type { GateOutcome, GateThresholds, GateVerdict, VerdictWindow } from '../report/report-types.js'

/** `PASS`, `FAIL`, `INCONCLUSIVE`. */
export function outcomeLabel(v: Pick<GateVerdict, 'verdict'>): string {
  return v.verdict.toUpperCase()
}

/** The outcome of a verdict, also for reports written before it had one. */
export function outcomeOf(v: Pick<GateVerdict, 'ok'> & { verdict?: GateOutcome }): GateOutcome {
  return v.verdict ?? (v.ok ? 'pass' : 'fail')
}

/**
 * `2026-11-27T10:00:00.000Z → 2026-11-27T10:05:00.000Z, exact to the second`
 * (`from the start`/`until now` for open sides).
 */
export function windowText(w: VerdictWindow | undefined): string {
  if (!w) return 'the whole recording'
  if (w.since === null && w.until === null) return 'the whole recording'
  const text = `${w.since ?? 'the start'} → ${w.until ?? 'now'}`
  return w.exact ? `${text}, exact to the second` : `${text}, widened to whole minutes where older than the per-second rows`
}

/** `300 compared of 310 served (2 divergent, 0 candidate errors; 0 dropped, 4 skipped, 6 not mirrored)`. */
export function countsText(v: Pick<GateVerdict, 'counts'>): string {
  const c = v.counts
  if (!c) return ''
  return (
    `${c.compared} compared of ${c.served} served (${c.divergent} divergent, ${c.candidateErrors} candidate errors; ` +
    `${c.dropped} dropped, ${c.skipped} skipped, ${c.notMirrored} not mirrored)`
  )
}

/** The bounds sentence of a verdict with a confidence, or '' without one. */
export function boundsText(v: Pick<GateVerdict, 'bounds' | 'moreSamples' | 'verdict'>): string {
  const b = v.bounds
  if (!b) return ''
  const level = `${Number((b.confidence * 100).toFixed(2))}%`
  const r = (e: typeof b.divergence) => `${boundPercent(e.rate)} [${boundPercent(e.lower)}, ${boundPercent(e.upper)}] (max ${boundPercent(e.max)})`
  const more =
    v.verdict === 'inconclusive' ? (v.moreSamples === null || v.moreSamples === undefined ? '; no sample count settles it at these rates' : `; about ${v.moreSamples} more samples would settle it`) : ''
  return `${level} Clopper–Pearson bounds: divergence ${r(b.divergence)}, candidate errors ${r(b.errorRate)}${more}`
}

/**
 * One headline (PASS/FAIL/INCONCLUSIVE, then the measured rates against
 * their limits in a sentence), the window and counts, the bounds with a
 * confidence, then one line per reason.
 *
 * @example
 *   FAIL (2 reasons): of 290 compared exchanges, 10.3% diverged (1% allowed) and 0.0% were candidate errors (1% allowed); the candidate's p99 latency was 1.20× the primary's (not judged).
 *     window: 2026-11-27T10:00:00.000Z → 2026-11-27T10:05:00.000Z, exact to the second
 *     counts: 290 compared of 300 served (30 divergent, 0 candidate errors; 0 dropped, 0 skipped, 10 not mirrored)
 *     - divergence 10.3% > 1.0% (30/290)
 *     - GET /api/users/:id: divergence 12.0% > 1.0% (30/250)
 */
export function formatVerdict(v: GateVerdict): string {
  const outcome = outcomeOf(v)
  const detail = [`  window: ${windowText(v.window)}`]
  if (v.counts) detail.push(`  counts: ${countsText(v)}`)
  const bounds = boundsText(v)
  if (bounds) detail.push(`  ${bounds}`)
  if (outcome === 'pass') return `${[`PASS: ${measured(v)}`, ...detail].join('\n')}\n`
  const n = v.reasons.length
  const head = `${outcome.toUpperCase()} (${n} ${n === 1 ? 'reason' : 'reasons'}): ${measured(v)}`
  return `${[head, ...detail, ...v.reasons.map((r) => `  - ${r}`)].join('\n')}\n`
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
  // With a confidence (issue 14) the same limits are judged on bounds, and too few samples is inconclusive, not a failure.
  const judged =
    t.confidence > 0
      ? ` Rates are judged on one-sided ${limit(t.confidence)} Clopper–Pearson bounds: a rate passes when its upper bound is within its limit, fails when its lower bound is above it, and is otherwise inconclusive.`
      : ''
  return (
    `The candidate passes with at least ${count(t.minSamples)} compared exchanges, at most ${limit(t.maxDivergence)} of them divergent ` +
    `and at most ${limit(t.maxErrorRate)} candidate errors, and no endpoint more than ${limit(t.maxEndpointDivergence)} divergent (${endpoints}). ${latency}${own}${judged}`
  )
}

/** A measured rate: one decimal, like the reasons ("divergence 17.5% > 1.0%"). */
function percent(x: number): string {
  return `${(x * 100).toFixed(1)}%`
}

/** A rate or bound in the bounds sentence, as the reasons print them ("95% bounds 0.00%–2.47%"): two decimals, three below 0.1%. */
function boundPercent(x: number): string {
  const v = x * 100
  return `${v !== 0 && v < 0.1 ? v.toFixed(3) : v.toFixed(2)}%`
}

/** A limit, exactly as set: 1%, 0.5%, 0.05% (one decimal would show 0.05% as 0.1%). */
function limit(x: number): string {
  return `${Number((x * 100).toFixed(4))}%`
}

function count(n: number): string {
  return n.toLocaleString('en-US')
}

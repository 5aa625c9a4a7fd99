/**
 * The gate verdict as text for a terminal or a CI log, and the sentences
 * every renderer shares: the window judged and the counts used (issue 14:
 * a verdict that does not say what it judged cannot be trusted).
 */
import type { GateOutcome, GateVerdict, VerdictWindow } from '../report/report-types.js'

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
  const r = (e: typeof b.divergence) => `${percent(e.rate)} [${percent(e.lower)}, ${percent(e.upper)}] (max ${percent(e.max)})`
  const more =
    v.verdict === 'inconclusive' ? (v.moreSamples === null || v.moreSamples === undefined ? '; no sample count settles it at these rates' : `; about ${v.moreSamples} more samples would settle it`) : ''
  return `${level} Clopper–Pearson bounds: divergence ${r(b.divergence)}, candidate errors ${r(b.errorRate)}${more}`
}

/**
 * One headline (PASS/FAIL/INCONCLUSIVE with the measured rates and their
 * limits), the window and counts, the bounds with a confidence, then one
 * line per reason.
 *
 * @example
 *   FAIL: 2 reasons (290 compared, divergence 10.3% (max 1.0%), candidate errors 0.0% (max 1.0%), latency p99 ratio 1.20×)
 *     window: 2026-11-27T10:00:00.000Z → 2026-11-27T10:05:00.000Z, exact to the second
 *     counts: 290 compared of 300 served (30 divergent, 0 candidate errors; 0 dropped, 0 skipped, 10 not mirrored)
 *     - divergence 10.3% > 1.0% (30/290)
 *     - GET /api/users/:id: divergence 12.0% > 1.0% (30/250)
 */
export function formatVerdict(v: GateVerdict): string {
  const facts = [
    `${v.samples} compared`,
    `divergence ${percent1(v.divergenceRate)} (max ${percent1(v.thresholds.maxDivergence)})`,
    `candidate errors ${percent1(v.errorRate)} (max ${percent1(v.thresholds.maxErrorRate)})`,
  ]
  if (v.latencyRatio !== null) {
    facts.push(`latency p99 ratio ${v.latencyRatio.toFixed(2)}×${v.thresholds.maxLatencyRatio > 0 ? ` (max ${v.thresholds.maxLatencyRatio}×)` : ''}`)
  }
  const outcome = outcomeOf(v)
  const detail = [`  window: ${windowText(v.window)}`]
  if (v.counts) detail.push(`  counts: ${countsText(v)}`)
  const bounds = boundsText(v)
  if (bounds) detail.push(`  ${bounds}`)
  if (outcome === 'pass') return `${[`PASS: ${facts.join(', ')}`, ...detail].join('\n')}\n`
  const n = v.reasons.length
  const head = `${outcome.toUpperCase()}: ${n} ${n === 1 ? 'reason' : 'reasons'} (${facts.join(', ')})`
  return `${[head, ...detail, ...v.reasons.map((r) => `  - ${r}`)].join('\n')}\n`
}

function percent1(x: number): string {
  return `${(x * 100).toFixed(1)}%`
}

function percent(x: number): string {
  const v = x * 100
  return `${v !== 0 && v < 0.1 ? v.toFixed(3) : v.toFixed(2)}%`
}

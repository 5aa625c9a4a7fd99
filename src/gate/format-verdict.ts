/**
 * The gate verdict as text for a terminal or a CI log.
 */
import type { GateVerdict } from '../report/report-types.js'

/**
 * One headline (PASS/FAIL with the measured rates and their limits), then
 * one line per reason.
 *
 * @example
 *   FAIL: 2 reasons (290 compared, divergence 10.3% (max 1.0%), candidate errors 0.0% (max 1.0%), latency p99 ratio 1.20×)
 *     - divergence 10.3% > 1.0% (30/290)
 *     - GET /api/users/:id: divergence 12.0% > 1.0% (30/250)
 */
export function formatVerdict(v: GateVerdict): string {
  const facts = [
    `${v.samples} compared`,
    `divergence ${percent(v.divergenceRate)} (max ${percent(v.thresholds.maxDivergence)})`,
    `candidate errors ${percent(v.errorRate)} (max ${percent(v.thresholds.maxErrorRate)})`,
  ]
  if (v.latencyRatio !== null) {
    facts.push(`latency p99 ratio ${v.latencyRatio.toFixed(2)}×${v.thresholds.maxLatencyRatio > 0 ? ` (max ${v.thresholds.maxLatencyRatio}×)` : ''}`)
  }
  if (v.ok) return `PASS: ${facts.join(', ')}\n`
  const head = `FAIL: ${v.reasons.length} ${v.reasons.length === 1 ? 'reason' : 'reasons'} (${facts.join(', ')})`
  return `${[head, ...v.reasons.map((r) => `  - ${r}`)].join('\n')}\n`
}

function percent(x: number): string {
  return `${(x * 100).toFixed(1)}%`
}

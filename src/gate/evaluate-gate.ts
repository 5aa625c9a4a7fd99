/**
 * The gate: one verdict from a report, for CI, Argo Rollouts and Flagger.
 * Too few samples FAILS (no evidence is not a pass), and every reason names
 * the endpoint, the measured value, the threshold and the counts behind it.
 */
import type { EndpointReport, GateThresholds, GateVerdict, LatencySummary, ReportTotals } from '../report/report-types.js'
import { endpointLimits, resolveThresholds } from './thresholds.js'

export { DEFAULT_THRESHOLDS, resolveThresholds } from './thresholds.js'

type EndpointInput = Pick<EndpointReport, 'method' | 'route' | 'compared' | 'divergent' | 'candidateErrors' | 'candidate5xx' | 'latency'> &
  Partial<Pick<EndpointReport, 'candidateNewErrors' | 'candidateErrorsBy' | 'noiseOverruled' | 'undecided'>>

/** What the gate reads: a Report, or anything with its totals and endpoints. */
export interface GateInput {
  totals: Pick<ReportTotals, 'compared' | 'divergent' | 'candidateErrors' | 'candidate5xx'> &
    Partial<Pick<ReportTotals, 'candidateNewErrors' | 'candidateErrorsBy' | 'latency' | 'noiseOverruled' | 'undecided'>>
  endpoints: readonly EndpointInput[]
}

/**
 * Judges a report against thresholds (defaults filled in by resolveThresholds).
 *
 * @example
 *   const v = evaluateGate(report, { maxDivergence: 0.005, endpoints: { 'GET /legacy': { maxDivergence: 0.1 } } })
 *   // v.reasons: ['GET /api/users/:id: divergence 12.0% > 1.0% (30/250)']
 */
export function evaluateGate(input: GateInput, thresholds: Partial<GateThresholds> = {}): GateVerdict {
  const t = resolveThresholds(thresholds)
  const { totals } = input
  const samples = totals.compared
  const errors = newErrors(totals)
  const divergent = divergentOf(totals)
  const divergenceRate = rate(divergent, samples)
  const errorRate = rate(errors, samples)
  const latencyRatio = totals.latency ? ratio(totals.latency.primary, totals.latency.candidate) : null
  const reasons: string[] = []

  if (samples < t.minSamples) reasons.push(`too few samples: ${samples} compared < ${t.minSamples} required (minSamples)`)
  if (divergenceRate > t.maxDivergence) reasons.push(`divergence ${pct(divergenceRate, t.maxDivergence)} (${counts(totals, samples)})`)
  if (errorRate > t.maxErrorRate) {
    reasons.push(`candidate errors ${pct(errorRate, t.maxErrorRate)} (${errors}/${samples}${errorParts(totals)})`)
  }
  if (t.maxLatencyRatio > 0 && latencyRatio !== null && latencyRatio > t.maxLatencyRatio) {
    reasons.push(`latency p99 ${latencyText(totals.latency!, latencyRatio, t.maxLatencyRatio)}`)
  }

  const failingEndpoints: GateVerdict['failingEndpoints'] = []
  for (const e of input.endpoints) {
    const own = judgeEndpoint(e, t)
    if (own.length === 0) continue
    failingEndpoints.push({ method: e.method, route: e.route, reasons: own })
    for (const r of own) reasons.push(`${e.method} ${e.route}: ${r}`)
  }

  return { ok: reasons.length === 0, reasons, samples, divergenceRate, errorRate, latencyRatio, thresholds: t, failingEndpoints }
}

function judgeEndpoint(e: EndpointInput, t: GateThresholds): string[] {
  const limits = endpointLimits(t, e.method, e.route)
  const out: string[] = []
  if (e.compared === 0) return out
  if (e.compared < limits.minEndpointSamples) {
    // Only an explicit per-endpoint floor fails; the global one just skips rare endpoints.
    const explicit = [e.route, `${e.method} ${e.route}`].some((k) => t.endpoints?.[k]?.minEndpointSamples !== undefined)
    if (explicit) out.push(`too few samples: ${e.compared} compared < ${limits.minEndpointSamples} required (minEndpointSamples)`)
    return out
  }
  const div = rate(divergentOf(e), e.compared)
  if (div > limits.maxEndpointDivergence) out.push(`divergence ${pct(div, limits.maxEndpointDivergence)} (${counts(e, e.compared)})`)
  const errors = newErrors(e)
  const err = rate(errors, e.compared)
  if (err > limits.maxErrorRate) out.push(`candidate errors ${pct(err, limits.maxErrorRate)} (${errors}/${e.compared}${errorParts(e, '')})`)
  const lr = ratio(e.latency.primary, e.latency.candidate)
  if (limits.maxLatencyRatio > 0 && lr !== null && lr > limits.maxLatencyRatio) {
    out.push(`latency p99 ${latencyText(e.latency, lr, limits.maxLatencyRatio)}`)
  }
  return out
}

/**
 * Divergent exchanges as the gate counts them: noise the field decisions
 * did not accept (too few secondary samples, or significantly more frequent
 * than the primary-vs-secondary noise) counts as divergent.
 */
function divergentOf(x: { divergent: number; noiseOverruled?: number }): number {
  return x.divergent + (x.noiseOverruled ?? 0)
}

/** Undecided exchanges (the noise stage had no verdict) are already in `divergent`: never equal. */
function counts(x: { divergent: number; noiseOverruled?: number; undecided?: number }, compared: number): string {
  const parts = [
    ...((x.noiseOverruled ?? 0) > 0 ? [`${x.noiseOverruled} noise not accepted`] : []),
    ...((x.undecided ?? 0) > 0 ? [`${x.undecided} undecided`] : []),
  ]
  return parts.length > 0 ? `${divergentOf(x)}/${compared}, of which ${parts.join(', ')}` : `${x.divergent}/${compared}`
}

/**
 * Candidate errors: failed where the primary did not (report-types.ts).
 * Reports older than candidateNewErrors counted network failures only in
 * candidateErrors: fall back to every candidate failure and 5xx.
 */
function newErrors(x: { candidateNewErrors?: number; candidateErrors: number; candidate5xx: number }): number {
  return x.candidateNewErrors ?? x.candidateErrors + x.candidate5xx
}

/** `: 3 5xx where the primary was not, 1 network/timeout`, when the report has the parts. */
function errorParts(x: { candidateErrorsBy?: { status5xx: number; network: number } }, without = ' failed or 5xx where the primary was not'): string {
  const p = x.candidateErrorsBy
  return p === undefined ? without : `: ${p.status5xx} 5xx where the primary was not, ${p.network} network/timeouts`
}

function rate(n: number, d: number): number {
  return d > 0 ? n / d : 0
}

/** Candidate p99 / primary p99, or null when either side has no samples. */
function ratio(primary: LatencySummary, candidate: LatencySummary): number | null {
  if (primary.count === 0 || candidate.count === 0 || primary.p99 <= 0) return null
  return candidate.p99 / primary.p99
}

function latencyText(l: { primary: LatencySummary; candidate: LatencySummary }, r: number, max: number): string {
  return `candidate ${ms(l.candidate.p99)} / primary ${ms(l.primary.p99)} = ${r.toFixed(2)}× > ${max}×`
}

function ms(v: number): string {
  return `${v >= 100 ? Math.round(v) : Number(v.toFixed(1))} ms`
}

/** `12.0% > 1.0%`, with more decimals when one would hide the difference. */
export function pct(value: number, limit: number): string {
  for (let digits = 1; digits <= 4; digits++) {
    const a = (value * 100).toFixed(digits)
    const b = (limit * 100).toFixed(digits)
    if (a !== b || digits === 4) return `${a}% > ${b}%`
  }
  return ''
}

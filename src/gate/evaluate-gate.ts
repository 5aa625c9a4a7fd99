/**
 * The gate: one verdict from a report, for CI, Argo Rollouts and Flagger.
 * Every reason names the endpoint, the measured value, the threshold and the
 * counts behind it, and every verdict carries the window and counts it used.
 *
 * Two ways to judge a rate against its maximum:
 * - as measured (confidence 0, the default): too few samples FAILS (no
 *   evidence is not a pass), a rate above its maximum fails;
 * - on one-sided Clopper–Pearson bounds (confidence c, e.g. 0.95): a rate
 *   fails when its lower bound is above the maximum (bad, with confidence
 *   c), passes when its upper bound is at or below it (good, with confidence
 *   c), and is otherwise inconclusive — as is a run with fewer than
 *   minSamples — with how many more samples would settle it.
 */
import type {
  EndpointReport,
  GateOutcome,
  GateThresholds,
  GateVerdict,
  LatencySummary,
  RateEvidence,
  ReportTotals,
  VerdictWindow,
} from '../report/report-types.js'
import { clopperPearson, samplesToSettle } from './confidence-bound.js'
import { endpointLimits, resolveThresholds } from './thresholds.js'

export { DEFAULT_THRESHOLDS, resolveThresholds } from './thresholds.js'

type EndpointInput = Pick<EndpointReport, 'method' | 'route' | 'compared' | 'divergent' | 'candidateErrors' | 'candidate5xx' | 'latency'> &
  Partial<Pick<EndpointReport, 'candidateNewErrors' | 'candidateErrorsBy' | 'noiseOverruled' | 'undecided'>>

/** What the gate reads: a Report, or anything with its totals and endpoints. */
export interface GateInput {
  totals: Pick<ReportTotals, 'compared' | 'divergent' | 'candidateErrors' | 'candidate5xx'> &
    Partial<Pick<ReportTotals, 'candidateNewErrors' | 'candidateErrorsBy' | 'latency' | 'noiseOverruled' | 'undecided' | 'served' | 'dropped' | 'skipped' | 'notMirrored'>>
  endpoints: readonly EndpointInput[]
  /** The window the totals cover (buildReport gives it); unbounded when left out. */
  window?: VerdictWindow
}

/** Reasons of one check, split by what they mean. */
interface Findings {
  fail: string[]
  inconclusive: string[]
  /** Largest (settling n − observed n) among inconclusive rates; null when one cannot settle. */
  more: number | null | undefined
}

/**
 * Judges a report against thresholds (defaults filled in by resolveThresholds).
 *
 * @example
 *   const v = evaluateGate(report, { maxDivergence: 0.005, endpoints: { 'GET /legacy': { maxDivergence: 0.1 } } })
 *   // v.reasons: ['GET /api/users/:id: divergence 12.0% > 1.0% (30/250)']
 * @example
 *   evaluateGate(report, { confidence: 0.95 }).verdict // 'inconclusive' for 0 divergent of 120: upper bound 2.5% > 1%
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
  const found: Findings = { fail: [], inconclusive: [], more: undefined }
  const c = t.confidence

  if (samples < t.minSamples) {
    const text = `too few samples: ${samples} compared < ${t.minSamples} required (minSamples)`
    if (c > 0) {
      found.inconclusive.push(text)
      addMore(found, t.minSamples - samples)
    } else found.fail.push(text)
  }
  judgeRate(found, c, 'divergence', divergent, samples, t.maxDivergence, counts(totals, samples))
  judgeRate(found, c, 'candidate errors', errors, samples, t.maxErrorRate, `${errors}/${samples}${errorParts(totals)}`)
  if (t.maxLatencyRatio > 0 && latencyRatio !== null && latencyRatio > t.maxLatencyRatio) {
    found.fail.push(`latency p99 ${latencyText(totals.latency!, latencyRatio, t.maxLatencyRatio)}`)
  }

  const failingEndpoints: GateVerdict['failingEndpoints'] = []
  for (const e of input.endpoints) {
    const own: Findings = { fail: [], inconclusive: [], more: undefined }
    judgeEndpoint(e, t, own)
    const prefix = `${e.method} ${e.route}: `
    if (own.fail.length > 0) failingEndpoints.push({ method: e.method, route: e.route, reasons: own.fail })
    found.fail.push(...own.fail.map((r) => prefix + r))
    found.inconclusive.push(...own.inconclusive.map((r) => prefix + r))
    if (own.more !== undefined) addMore(found, own.more)
  }

  const verdict: GateOutcome = found.fail.length > 0 ? 'fail' : found.inconclusive.length > 0 ? 'inconclusive' : 'pass'
  const out: GateVerdict = {
    ok: verdict === 'pass',
    verdict,
    reasons: [...found.fail, ...found.inconclusive],
    samples,
    divergenceRate,
    errorRate,
    latencyRatio,
    thresholds: t,
    failingEndpoints,
    window: input.window ?? { since: null, until: null, exact: true },
    counts: {
      served: totals.served ?? 0,
      compared: samples,
      divergent,
      candidateErrors: errors,
      dropped: totals.dropped ?? 0,
      skipped: totals.skipped ?? 0,
      notMirrored: totals.notMirrored ?? 0,
    },
  }
  if (c > 0) {
    out.bounds = {
      method: 'clopper-pearson',
      confidence: c,
      divergence: evidence(divergent, samples, t.maxDivergence, c),
      errorRate: evidence(errors, samples, t.maxErrorRate, c),
    }
  }
  if (verdict === 'inconclusive') out.moreSamples = found.more ?? null
  return out
}

/** The rate k/n with its one-sided bounds at confidence c. */
function evidence(k: number, n: number, max: number, c: number): RateEvidence {
  const b = clopperPearson(k, n, c)
  return { count: k, samples: n, rate: rate(k, n), lower: b.lower, upper: b.upper, max }
}

/**
 * Judges k/n against max: as measured when c is 0, else on its bounds.
 * `what` and `detail` build the reason (`divergence 12.0% > 1.0% (30/250)`).
 */
function judgeRate(found: Findings, c: number, what: string, k: number, n: number, max: number, detail: string): void {
  if (n === 0) return
  const r = rate(k, n)
  if (c === 0) {
    if (r > max) found.fail.push(`${what} ${pct(r, max)} (${detail})`)
    return
  }
  const b = clopperPearson(k, n, c)
  const level = `${Number((c * 100).toFixed(2))}%`
  if (b.lower > max) {
    found.fail.push(`${what} ${pct(r, max)} (${detail}); its ${level} lower bound ${percent(b.lower)} is above the maximum`)
  } else if (b.upper > max) {
    const settle = samplesToSettle(r, max, c, n)
    addMore(found, settle === null ? null : settle - n)
    const hint = settle === null ? 'no number of samples settles a rate equal to its maximum' : `about ${settle - n} more samples would settle it at this rate`
    found.inconclusive.push(`${what} ${percent(r)} (${detail}): ${level} bounds ${percent(b.lower)}–${percent(b.upper)} straddle the maximum ${percent(max)}; ${hint}`)
  }
}

function addMore(found: Findings, more: number | null): void {
  if (more === null || found.more === null) found.more = null
  else found.more = Math.max(found.more ?? 0, more)
}

function judgeEndpoint(e: EndpointInput, t: GateThresholds, found: Findings): void {
  const limits = endpointLimits(t, e.method, e.route)
  if (e.compared === 0) return
  if (e.compared < limits.minEndpointSamples) {
    // Only an explicit per-endpoint floor counts; the global one just skips rare endpoints.
    const explicit = [e.route, `${e.method} ${e.route}`].some((k) => t.endpoints?.[k]?.minEndpointSamples !== undefined)
    if (explicit) {
      const text = `too few samples: ${e.compared} compared < ${limits.minEndpointSamples} required (minEndpointSamples)`
      if (t.confidence > 0) {
        found.inconclusive.push(text)
        addMore(found, limits.minEndpointSamples - e.compared)
      } else found.fail.push(text)
    }
    return
  }
  judgeRate(found, t.confidence, 'divergence', divergentOf(e), e.compared, limits.maxEndpointDivergence, counts(e, e.compared))
  const errors = newErrors(e)
  judgeRate(found, t.confidence, 'candidate errors', errors, e.compared, limits.maxErrorRate, `${errors}/${e.compared}${errorParts(e, '')}`)
  const lr = ratio(e.latency.primary, e.latency.candidate)
  if (limits.maxLatencyRatio > 0 && lr !== null && lr > limits.maxLatencyRatio) {
    found.fail.push(`latency p99 ${latencyText(e.latency, lr, limits.maxLatencyRatio)}`)
  }
}

function percent(x: number): string {
  const v = x * 100
  return `${v !== 0 && v < 0.1 ? v.toFixed(3) : v.toFixed(2)}%`
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

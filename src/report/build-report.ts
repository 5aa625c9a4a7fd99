/**
 * Builds the Report model from one or many databases (one per proxy
 * instance) and merges them exactly: counts add, percentiles come from the
 * summed histogram buckets, examples are chosen from the merged set. The
 * report of N files equals the report of one file holding the same
 * exchanges, except `sources` and `generatedAt`.
 */
import type { Database } from 'better-sqlite3'
import { UsageError } from '../errors.js'
import { evaluateGate, resolveThresholds } from '../gate/evaluate-gate.js'
import { COUNTER_INDEX, MINUTE_MS, addTo, newAggregate } from '../store/aggregates.js'
import type { Aggregate, FieldAggregate } from '../store/aggregates.js'
import { summarise } from '../store/latency-histogram.js'
import { openDatabase } from '../store/open-database.js'
import type { ExchangeRecord } from '../store/read-sources.js'
import { emptyReportData, endpointKey, readExampleRows, readReportData } from './read-report-data.js'
import type { Candidate, EffectiveWindow, ReadWindow, ReportData } from './read-report-data.js'
import type { CandidateErrorParts, EndpointReport, FieldCount, FieldDecision, GateThresholds, Report, ReportTotals } from './report-types.js'
import { selectExamples, toExample } from './select-examples.js'
import { modeSides } from '../split/mode-sides.js'
import { decideField } from '../noise/field-decision.js'
import { UNDECIDED_FIELD } from '../store/divergence-fields.js'
import { resolveNoiseOptions } from '../noise/noise-options.js'
import type { NoiseOptions } from '../noise/noise-options.js'
import type { LearnedEndpointNoise } from './read-report-data.js'
import { volatileHint } from './volatile-hint.js'

export { resolveSources } from './resolve-sources.js'

export interface BuildReportOptions {
  /** Epoch ms, inclusive; rounded down to its second (aggregates are per second, then per minute). */
  since?: number
  /** Epoch ms, exclusive; rounded up to a whole second. */
  until?: number
  thresholds?: Partial<GateThresholds>
  /** Examples kept per endpoint (default 5). */
  examplesPerEndpoint?: number
  /** Fields listed per endpoint, most frequent first (default 20). */
  fieldsPerEndpoint?: number
  /** Confidence and minimum secondary samples of the per-field noise decision (src/noise/field-decision.ts). */
  noise?: Partial<Pick<NoiseOptions, 'confidence' | 'minSamples'>>
  /** Clock for `generatedAt` (tests). */
  now?: () => number
  /** What to call the sources in the report, when the files read stand for something else (a PostgreSQL snapshot). */
  sourceNames?: readonly string[]
}

/** How many newest candidates per endpoint and file the example choice looks at. */
const CANDIDATES_PER_EXAMPLE = 20

/**
 * @example
 *   const report = buildReport(resolveSources(['./runs']), { since: Date.now() - 3_600_000 })
 *   if (!report.verdict.ok) console.log(formatVerdict(report.verdict))
 */
export function buildReport(sources: readonly string[], opts: BuildReportOptions = {}): Report {
  if (sources.length === 0) throw new UsageError('no database given: pass --db <file or folder>')
  const examplesPerEndpoint = count('examplesPerEndpoint', opts.examplesPerEndpoint, 5)
  const fieldsPerEndpoint = count('fieldsPerEndpoint', opts.fieldsPerEndpoint, 20)
  const window = checkWindow(opts.since, opts.until)
  // Validate before reading any file: a typo in a threshold should not wait for a large merge.
  const thresholds = resolveThresholds(opts.thresholds)
  const noise = resolveNoiseOptions(opts.noise)
  const dbs: Database[] = []
  try {
    for (const s of sources) dbs.push(openDatabase(s, { readonly: true }))
    const data = emptyReportData()
    const covered = dbs.map((db, i) => readReportData(db, i, window, examplesPerEndpoint * CANDIDATES_PER_EXAMPLE, data))
    const effective = verdictWindow(covered)
    const examples = chooseExamples(dbs, data, examplesPerEndpoint)
    const endpoints = [...data.endpoints.values()].map((a) => {
      const key = endpointKey(a.method, a.route)
      return endpointReport(a, fieldsPerEndpoint, examples.get(key) ?? [], data.learned.get(key), noise)
    })
    endpoints.sort((a, b) => b.divergent - a.divergent || b.rate - a.rate || cmp(a.route, b.route) || cmp(a.method, b.method))
    const totals = totalsOf(data)
    totals.noiseOverruled = endpoints.reduce((n, e) => n + (e.noiseOverruled ?? 0), 0)
    totals.undecided = endpoints.reduce((n, e) => n + (e.undecided ?? 0), 0)
    const rulesMatched = [...data.candidates.values()].some((list) => list.some((c) => c.rules !== '[]'))
    const divergentFields = endpoints.flatMap((e) => e.fields.map((f) => ({ field: f.field, count: f.count - f.noiseCount })).filter((f) => f.count > 0))
    const names = opts.sourceNames ?? sources
    const hint = volatileHint(divergentFields, rulesMatched, names.join(' --db '))
    return {
      generatedAt: new Date((opts.now ?? Date.now)()).toISOString(),
      window: effective,
      sources: [...names],
      totals,
      endpoints,
      timeline: [...data.timeline]
        .sort((a, b) => a[0] - b[0])
        .map(([minute, p]) => ({ at: new Date(minute * MINUTE_MS).toISOString(), compared: p.compared, divergent: p.divergent })),
      verdict: evaluateGate({ totals, endpoints, window: effective }, thresholds),
      // Sorted by content too, so the order never depends on which file an event came from.
      events: data.events.sort((a, b) => cmp(a.at, b.at) || cmp(JSON.stringify(a), JSON.stringify(b))),
      ...trafficOf(dbs),
      ...(hint ? { hints: [hint] } : {}),
    }
  } finally {
    for (const db of dbs) db.close()
  }
}

/** The newest saved traffic state across files (src/split/promotion-store.ts), with its sides. */
function trafficOf(dbs: readonly Database[]): Pick<Report, 'traffic'> {
  let best: { state: string; updated_at: number } | undefined
  for (const db of dbs) {
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'split_traffic'").get()
    if (table === undefined) continue
    const row = db.prepare('SELECT state, updated_at FROM split_traffic WHERE id = 1').get() as { state: string; updated_at: number } | undefined
    if (row && (!best || row.updated_at > best.updated_at)) best = row
  }
  if (!best) return {}
  try {
    const s = JSON.parse(best.state) as { mode: 'shadow' | 'split' | 'candidate'; weight: number; reverseShadow: boolean }
    return { traffic: { mode: s.mode, weight: s.weight, reverseShadow: s.reverseShadow, sides: modeSides(s) } }
  } catch {
    return {}
  }
}

/** Validates the window asked for (epoch ms; undefined sides are unbounded). */
export function checkWindow(since: number | undefined, until: number | undefined): ReadWindow {
  for (const [key, v] of [['since', since], ['until', until]] as const) {
    if (v !== undefined && !Number.isFinite(v)) throw new UsageError(`${key} must be a time in epoch milliseconds, got ${String(v)}`)
  }
  if (since !== undefined && until !== undefined && until <= since) {
    throw new UsageError(`until (${new Date(until).toISOString()}) must be after since (${new Date(since).toISOString()})`)
  }
  return { since, until }
}

/** The union of what each file's counts cover: the earliest since, the latest until; exact only if every file was. */
function verdictWindow(covered: readonly EffectiveWindow[]) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())
  const sinces = covered.map((w) => w.since)
  const untils = covered.map((w) => w.until)
  const since = sinces.includes(null) || sinces.length === 0 ? null : Math.min(...(sinces as number[]))
  const until = untils.includes(null) || untils.length === 0 ? null : Math.max(...(untils as number[]))
  return { since: iso(since), until: iso(until), exact: covered.every((w) => w.exact) }
}

function chooseExamples(dbs: readonly Database[], data: ReportData, k: number) {
  const chosenBySource = new Map<number, string[]>()
  const chosen = new Map<string, Candidate[]>()
  for (const [key, candidates] of data.candidates) {
    const picked = selectExamples(candidates, k)
    chosen.set(key, picked)
    for (const c of picked) chosenBySource.set(c.source, [...(chosenBySource.get(c.source) ?? []), c.id])
  }
  const full = new Map<string, ExchangeRecord>()
  for (const [source, ids] of chosenBySource) {
    for (let i = 0; i < ids.length; i += 500) {
      for (const row of readExampleRows(dbs[source], ids.slice(i, i + 500))) full.set(`${source}\u0000${row.id}`, row)
    }
  }
  const out = new Map<string, ReturnType<typeof toExample>[]>()
  for (const [key, picked] of chosen) {
    out.set(key, picked.map((c) => toExample(full.get(`${c.source}\u0000${c.id}`) ?? c)))
  }
  return out
}

function endpointReport(
  a: Aggregate,
  fieldsPerEndpoint: number,
  examples: EndpointReport['examples'],
  learned: LearnedEndpointNoise | undefined,
  noise: NoiseOptions,
): EndpointReport {
  const c = (name: keyof typeof COUNTER_INDEX) => a.counters[COUNTER_INDEX[name]]
  const compared = c('compared')
  const samples = learned?.exchanges ?? 0
  let overruled = 0
  let undecided = 0
  type Judged = { f: FieldAggregate; j: { decision: FieldDecision; pValue?: number; noiseAccepted: boolean }; differed: number; weight: number }
  const judged = [...a.fields.values()].flatMap((f): Judged[] => {
    // Counted once per undecided exchange (divergence-fields.ts): the endpoint's count, not a field.
    if (f.field === UNDECIDED_FIELD.field && f.op === UNDECIDED_FIELD.op) {
      undecided = f.count
      return []
    }
    const differed = learned?.fields.get(`${f.op}\u0000${f.field}`) ?? 0
    if (f.op === 'undecided') return [{ f, j: { decision: 'undecided', noiseAccepted: true }, differed, weight: f.count }]
    const j = decideField({ divergent: f.count, noise: f.noise, compared, noiseObserved: differed, noiseSamples: samples }, noise)
    if (!j.noiseAccepted) overruled += f.noise
    // What the gate counts as divergent, for ordering.
    const weight = f.count + (j.noiseAccepted ? 0 : f.noise)
    return [{ f, j, differed, weight }]
  })
  const fields: FieldCount[] = judged
    .sort((x, y) => y.weight - x.weight || y.f.noise - x.f.noise || cmp(x.f.field, y.f.field) || cmp(x.f.op, y.f.op))
    .slice(0, fieldsPerEndpoint)
    .map(({ f, j, differed }) => ({
      field: f.field,
      op: f.op,
      count: f.count + f.noise,
      noiseCount: f.noise,
      decision: j.decision,
      ...(j.pValue !== undefined && { pValue: j.pValue }),
      ...(samples > 0 && { secondary: { differed, samples } }),
    }))
  return {
    method: a.method,
    route: a.route,
    served: c('served'),
    compared,
    mirroredShare: ratio(compared, c('served') - c('not_mirrored')),
    divergent: c('divergent'),
    rate: ratio(c('divergent'), compared),
    candidateErrors: c('candidate_new_errors'),
    candidateErrorsBy: errorParts(c),
    candidate5xx: c('candidate_5xx'),
    candidate5xxRate: ratio(c('candidate_5xx'), compared),
    primary5xx: c('primary_5xx'),
    candidateNewErrors: c('candidate_new_errors'),
    errorRate: ratio(c('candidate_new_errors'), compared),
    noise: c('noise'),
    undecided,
    noiseOverruled: Math.min(c('noise'), overruled),
    latency: { primary: summarise(a.primaryLatency, a.primaryMaxUs), candidate: summarise(a.candidateLatency, a.candidateMaxUs) },
    fields,
    examples,
  }
}

function totalsOf(data: ReportData): ReportTotals {
  const all = newAggregate(0, '', '')
  for (const a of data.endpoints.values()) {
    a.counters.forEach((n, i) => (all.counters[i] += n))
    all.primaryMaxUs = Math.max(all.primaryMaxUs, a.primaryMaxUs)
    all.candidateMaxUs = Math.max(all.candidateMaxUs, a.candidateMaxUs)
    for (const [b, n] of a.primaryLatency) addTo(all.primaryLatency, b, n)
    for (const [b, n] of a.candidateLatency) addTo(all.candidateLatency, b, n)
  }
  const c = (name: keyof typeof COUNTER_INDEX) => all.counters[COUNTER_INDEX[name]]
  return {
    served: c('served'),
    mirrored: c('mirrored'),
    compared: c('compared'),
    mirroredShare: ratio(c('compared'), c('served') - c('not_mirrored')),
    divergent: c('divergent'),
    divergenceRate: ratio(c('divergent'), c('compared')),
    dropped: c('dropped'),
    skipped: c('skipped'),
    notMirrored: c('not_mirrored'),
    candidateErrors: c('candidate_new_errors'),
    candidateErrorsBy: errorParts(c),
    candidate5xx: c('candidate_5xx'),
    noise: c('noise'),
    primary5xx: c('primary_5xx'),
    candidateNewErrors: c('candidate_new_errors'),
    errorRate: ratio(c('candidate_new_errors'), c('compared')),
    latency: { primary: summarise(all.primaryLatency, all.primaryMaxUs), candidate: summarise(all.candidateLatency, all.candidateMaxUs) },
  }
}

/**
 * The two parts of the candidate errors (src/store/aggregates.ts): the
 * network part is stored, the 5xx part is the rest. Files written before
 * this meaning counted every network failure, even where the primary
 * answered 5xx: the 5xx part never goes below 0.
 */
function errorParts(c: (name: keyof typeof COUNTER_INDEX) => number): CandidateErrorParts {
  const network = Math.min(c('candidate_errors'), c('candidate_new_errors'))
  return { status5xx: c('candidate_new_errors') - network, network }
}

function ratio(n: number, d: number): number {
  return d > 0 ? n / d : 0
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function count(key: string, v: number | undefined, fallback: number): number {
  if (v === undefined) return fallback
  if (!Number.isInteger(v) || v < 0) throw new UsageError(`${key} must be a non-negative integer, got ${JSON.stringify(v)}`)
  return v
}

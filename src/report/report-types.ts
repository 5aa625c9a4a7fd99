/**
 * The report model: what `shadowdiff report --format json` prints and
 * `GET /api/report` answers. Every renderer (html, md, junit) takes this.
 */
import type { ComparedAs, Divergence, DivergenceKind, Operation } from '../types.js'
import type { ModeSides } from '../split/mode-sides.js'
import type { VolatileHint } from './volatile-hint.js'

export interface LatencySummary {
  count: number
  p50: number
  p90: number
  p99: number
  max: number
}

/**
 * What the report concludes about one field (src/noise/field-decision.ts):
 * `divergent` (differences no noise explains, or noise-shaped differences
 * significantly more frequent than the primary-vs-secondary noise),
 * `noise`, `insufficient-data` (noise-shaped, but too few secondary
 * answers to accept it: the gate counts it as divergent), or `undecided`
 * (op `undecided`: differences the noise stage waited on and could not
 * judge; their exchanges count as divergent).
 */
export type FieldDecision = 'divergent' | 'noise' | 'insufficient-data' | 'undecided'

export interface FieldCount {
  /** JSON Pointer with array indices folded to `*`, or `header:<name>`, `status`, `error:<code>`. */
  field: string
  /** RFC 6902 op (`add`, `remove`, `replace`, `move` for order only), or the divergence kind for non-body fields. */
  op: string
  /** Exchanges where primary and candidate differed here: the raw count, before noise cancellation. */
  count: number
  /** How many of these were classed as noise (not counted as divergent). */
  noiseCount: number
  decision?: FieldDecision
  /** One-sided Fisher exact p-value of noiseCount against the secondary's noise rate, when tested. */
  pValue?: number
  /** The noise baseline: exchanges where primary and secondary differed here, of those whose secondary answered. */
  secondary?: { differed: number; samples: number }
}

export interface ExampleExchange {
  id: string
  at: string
  method: string
  url: string
  route: string
  primaryStatus: number | null
  candidateStatus: number | null
  kinds: DivergenceKind[]
  divergences: Divergence[]
  /** RFC 6902 operations of the body difference when both bodies were JSON. */
  patch?: Operation[]
  primaryContentType?: string
  candidateContentType?: string
  /** Bodies as stored (truncated to the capture cap, secrets redacted). */
  primaryBody?: string
  candidateBody?: string
  /** How the rules and the noise stage compared it: what they took out (dimmed in the HTML diff). */
  comparedAs?: ComparedAs
}

/** The two named parts of the candidate errors. */
export interface CandidateErrorParts {
  /** The candidate answered 5xx where the primary answered below 500. */
  status5xx: number
  /** The candidate did not answer (refused, reset, timeout, bad response) where the primary answered below 500. */
  network: number
}

export interface EndpointReport {
  method: string
  route: string
  served: number
  compared: number
  /**
   * compared / mirror-eligible (served minus not mirrored): the share of this
   * endpoint's eligible traffic that was really compared, after `--sample`,
   * the adaptive share and drops. Tells a reviewer what the rates stand on.
   */
  mirroredShare?: number
  divergent: number
  /** divergent / compared (0 when nothing compared). */
  rate: number
  /**
   * Candidate errors, one meaning everywhere (cards, tables, gate, metrics):
   * the candidate failed where the primary did not (the primary answered
   * below 500), in two parts, `candidateErrorsBy`. What the gate's
   * maxErrorRate judges.
   */
  candidateErrors: number
  candidateErrorsBy?: CandidateErrorParts
  /** Every candidate 5xx, whatever the primary answered (context beside primary5xx). */
  candidate5xx: number
  /** candidate5xx / compared. */
  candidate5xxRate: number
  /** Primary answered 5xx (context for the candidate's 5xx). */
  primary5xx?: number
  /** The same count as candidateErrors (its older name, kept for readers of earlier reports). */
  candidateNewErrors?: number
  /** candidateErrors / compared. */
  errorRate?: number
  /** Exchanges whose only differences were noise. */
  noise?: number
  /**
   * Exchanges recorded with differences left undecided (the noise stage
   * waited for evidence that did not come): included in `divergent`, never
   * equal; their fields are listed with op and decision `undecided`.
   */
  undecided?: number
  /**
   * Of the noise-only exchanges, at most how many hold noise the field
   * decisions did not accept (decision not `noise`): the gate counts them as
   * divergent, so a regression classed as noise without evidence never passes.
   */
  noiseOverruled?: number
  latency: { primary: LatencySummary; candidate: LatencySummary }
  /** Most frequent differing fields, most frequent first. */
  fields: FieldCount[]
  examples: ExampleExchange[]
}

export interface TimelinePoint {
  /** Start of the minute, ISO 8601. */
  at: string
  compared: number
  divergent: number
}

export interface ReportTotals {
  served: number
  mirrored: number
  compared: number
  /** compared / mirror-eligible (served minus not mirrored), over every endpoint. */
  mirroredShare?: number
  divergent: number
  divergenceRate: number
  dropped: number
  skipped: number
  notMirrored: number
  /** As EndpointReport.candidateErrors: failed where the primary did not, in two parts. */
  candidateErrors: number
  candidateErrorsBy?: CandidateErrorParts
  /** Every candidate 5xx, whatever the primary answered. */
  candidate5xx: number
  noise: number
  /** Sum of the endpoints' undecided exchanges (included in divergent). */
  undecided?: number
  /** Sum of the endpoints' noiseOverruled: counted as divergent by the gate. */
  noiseOverruled?: number
  primary5xx?: number
  /** The same count as candidateErrors (its older name). */
  candidateNewErrors?: number
  /** candidateErrors / compared. */
  errorRate?: number
  /** Latency over all endpoints, from the merged histograms. */
  latency?: { primary: LatencySummary; candidate: LatencySummary }
}

export interface GateThresholds {
  maxDivergence: number
  minSamples: number
  maxErrorRate: number
  /** Candidate p99 / primary p99; 0 disables. */
  maxLatencyRatio: number
  minEndpointSamples: number
  maxEndpointDivergence: number
  /**
   * 0 (the default): the rates are judged as measured. Between 0.5 and 1
   * (e.g. 0.95): on one-sided Clopper–Pearson bounds at that confidence —
   * pass when every upper bound is within its limit, fail when a lower bound
   * is above it, otherwise inconclusive (src/gate/confidence-bound.ts).
   */
  confidence: number
  /** Per-endpoint overrides keyed by `METHOD route` or route. */
  endpoints?: Record<string, Partial<Omit<GateThresholds, 'endpoints' | 'confidence'>>>
}

/** `pass` and `fail` decide; `inconclusive` (only with a confidence) says the evidence does not yet settle it. */
export type GateOutcome = 'pass' | 'fail' | 'inconclusive'

/** The window a verdict judged: ISO 8601 bounds (null = unbounded) and whether it is exact to the second. */
export interface VerdictWindow {
  since: string | null
  until: string | null
  /** False when an edge older than the store's per-second rows widened to its whole minute. */
  exact: boolean
}

/** The counts a verdict used, over its window. */
export interface VerdictCounts {
  served: number
  compared: number
  /** As the gate counts them: divergent plus noise the field decisions did not accept. */
  divergent: number
  /** What maxErrorRate judges: the candidate failed or answered 5xx where the primary did not. */
  candidateErrors: number
  dropped: number
  skipped: number
  notMirrored: number
}

/** A rate with its one-sided bounds at the verdict's confidence. */
export interface RateEvidence {
  count: number
  samples: number
  rate: number
  lower: number
  upper: number
  max: number
}

export interface GateVerdict {
  /** True on `pass` only. */
  ok: boolean
  verdict: GateOutcome
  reasons: string[]
  samples: number
  divergenceRate: number
  errorRate: number
  latencyRatio: number | null
  thresholds: GateThresholds
  failingEndpoints: { method: string; route: string; reasons: string[] }[]
  window: VerdictWindow
  counts: VerdictCounts
  /** With a confidence: the method, the level and the overall rates' bounds. */
  bounds?: { method: 'clopper-pearson'; confidence: number; divergence: RateEvidence; errorRate: RateEvidence }
  /** When inconclusive: about how many more compared exchanges would settle it at the observed rates (null: none would). */
  moreSamples?: number | null
}

export interface AuditEvent {
  at: string
  type: string
  actor: string
  cause: string
  data?: Record<string, unknown>
}

export interface Report {
  generatedAt: string
  /** The effective window: what the counts cover (see VerdictWindow). */
  window: VerdictWindow
  sources: string[]
  totals: ReportTotals
  endpoints: EndpointReport[]
  timeline: TimelinePoint[]
  verdict: GateVerdict
  events: AuditEvent[]
  /**
   * The traffic state last saved in the recording (the proxy's split_traffic
   * row; the newest across files): which side serves and which is compared.
   */
  traffic?: { mode: 'shadow' | 'split' | 'candidate'; weight: number; reverseShadow: boolean; sides: ModeSides }
  /** Advice for the reader (src/report/volatile-hint.ts); absent when there is none. */
  hints?: VolatileHint[]
}

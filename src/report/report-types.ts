/**
 * The report model: what `shadowdiff report --format json` prints and
 * `GET /api/report` answers. Every renderer (html, md, junit) takes this.
 */
import type { Divergence, DivergenceKind, Operation } from '../types.js'

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
 * `noise`, or `insufficient-data` (noise-shaped, but too few secondary
 * answers to accept it: the gate counts it as divergent).
 */
export type FieldDecision = 'divergent' | 'noise' | 'insufficient-data'

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
  candidateErrors: number
  candidate5xx: number
  /** candidate5xx / compared. */
  candidate5xxRate: number
  /** Primary answered 5xx (context for the candidate's 5xx). */
  primary5xx?: number
  /** Candidate failed or answered 5xx where the primary did not: what the gate's maxErrorRate judges. */
  candidateNewErrors?: number
  /** candidateNewErrors / compared. */
  errorRate?: number
  /** Exchanges whose only differences were noise. */
  noise?: number
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
  candidateErrors: number
  candidate5xx: number
  noise: number
  /** Sum of the endpoints' noiseOverruled: counted as divergent by the gate. */
  noiseOverruled?: number
  primary5xx?: number
  /** Candidate failed or answered 5xx where the primary did not. */
  candidateNewErrors?: number
  /** candidateNewErrors / compared. */
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
  /** Per-endpoint overrides keyed by `METHOD route` or route. */
  endpoints?: Record<string, Partial<Omit<GateThresholds, 'endpoints'>>>
}

export interface GateVerdict {
  ok: boolean
  reasons: string[]
  samples: number
  divergenceRate: number
  errorRate: number
  latencyRatio: number | null
  thresholds: GateThresholds
  failingEndpoints: { method: string; route: string; reasons: string[] }[]
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
  window: { since: string | null; until: string | null }
  sources: string[]
  totals: ReportTotals
  endpoints: EndpointReport[]
  timeline: TimelinePoint[]
  verdict: GateVerdict
  events: AuditEvent[]
}

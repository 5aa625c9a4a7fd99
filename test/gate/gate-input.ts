/**
 * Report-shaped gate inputs built by hand for the gate tests.
 */
import type { GateInput } from '../../src/gate/evaluate-gate.js'
import type { LatencySummary } from '../../src/report/report-types.js'

export const lat = (p99: number, count = 100): LatencySummary => ({ count, p50: p99 / 2, p90: p99 / 1.5, p99, max: p99 })

type EndpointInput = GateInput['endpoints'][number]

export function endpoint(method: string, route: string, compared: number, divergent: number, extra: Partial<EndpointInput> = {}): EndpointInput {
  return { method, route, compared, divergent, candidateErrors: 0, candidate5xx: 0, candidateNewErrors: 0, latency: { primary: lat(10), candidate: lat(12) }, ...extra }
}

/** Totals are the sums of the endpoints, as in a real report. */
export function input(endpoints: GateInput['endpoints'], latency = { primary: lat(10), candidate: lat(12) }): GateInput {
  const sum = (k: 'compared' | 'divergent' | 'candidateErrors' | 'candidate5xx' | 'candidateNewErrors') => endpoints.reduce((n, e) => n + (e[k] ?? 0), 0)
  return {
    totals: { compared: sum('compared'), divergent: sum('divergent'), candidateErrors: sum('candidateErrors'), candidate5xx: sum('candidate5xx'), candidateNewErrors: sum('candidateNewErrors'), latency },
    endpoints,
  }
}

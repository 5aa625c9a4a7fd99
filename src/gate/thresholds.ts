/**
 * Gate thresholds: defaults, validation, and the effective thresholds of one
 * endpoint once per-endpoint overrides apply.
 */
import { ConfigInvalid } from '../errors.js'
import type { GateThresholds } from '../report/report-types.js'

type Limits = Omit<GateThresholds, 'endpoints'>

/**
 * The defaults, chosen so an unconfigured gate is strict but not flaky:
 * - maxDivergence 0.01: at most 1 % of compared exchanges may differ, overall
 *   and (maxEndpointDivergence, same value unless set) on every endpoint;
 * - minSamples 100: fewer compared exchanges than this FAILS — no evidence is
 *   not a pass;
 * - maxErrorRate 0.01: at most 1 % of compared exchanges where the candidate
 *   failed or answered 5xx while the primary did not;
 * - maxLatencyRatio 0 (off): a shadow candidate often runs on smaller
 *   infrastructure, so candidate p99 / primary p99 is judged only when asked
 *   (e.g. 1.5);
 * - minEndpointSamples 0: every endpoint is judged, even a rare one;
 * - confidence 0 (off): rates are judged as measured; 0.95 judges them on
 *   one-sided Clopper–Pearson bounds, with an inconclusive verdict.
 */
export const DEFAULT_THRESHOLDS: GateThresholds = Object.freeze({
  maxDivergence: 0.01,
  minSamples: 100,
  maxErrorRate: 0.01,
  maxLatencyRatio: 0,
  minEndpointSamples: 0,
  maxEndpointDivergence: 0.01,
  confidence: 0,
})

const RATE_KEYS = ['maxDivergence', 'maxErrorRate', 'maxEndpointDivergence'] as const
const COUNT_KEYS = ['minSamples', 'minEndpointSamples'] as const
const LIMIT_KEYS: readonly (keyof Limits)[] = [...RATE_KEYS, ...COUNT_KEYS, 'maxLatencyRatio', 'confidence']

/**
 * Fills in defaults and validates; throws ConfigInvalid listing every bad key.
 * `maxEndpointDivergence` follows `maxDivergence` unless given.
 *
 * @example
 *   resolveThresholds({ maxDivergence: 0.05, endpoints: { 'GET /legacy': { maxEndpointDivergence: 0.2 } } })
 */
export function resolveThresholds(partial: Partial<GateThresholds> = {}): GateThresholds {
  const problems: string[] = []
  checkLimits(partial, 'gate', problems)
  const endpoints: NonNullable<GateThresholds['endpoints']> = {}
  for (const [key, override] of Object.entries(partial.endpoints ?? {})) {
    if (override === null || typeof override !== 'object') {
      problems.push(`gate.endpoints['${key}'] must be an object of thresholds, got ${JSON.stringify(override)}`)
      continue
    }
    checkLimits(override, `gate.endpoints['${key}']`, problems)
    endpoints[key] = { ...override }
  }
  for (const key of Object.keys(partial)) {
    if (key !== 'endpoints' && !LIMIT_KEYS.includes(key as keyof Limits)) {
      problems.push(`gate.${key} is not a threshold; expected one of ${[...LIMIT_KEYS, 'endpoints'].join(', ')}`)
    }
  }
  if (problems.length > 0) throw new ConfigInvalid(problems.join('; '))
  const limits: Limits = { ...DEFAULT_THRESHOLDS, ...stripUndefined(partial) }
  if (partial.maxEndpointDivergence === undefined) limits.maxEndpointDivergence = limits.maxDivergence
  delete (limits as GateThresholds).endpoints
  return Object.keys(endpoints).length > 0 ? { ...limits, endpoints } : limits
}

/**
 * The thresholds of one endpoint: the global ones, then an override keyed by
 * the route, then one keyed `METHOD route` (most specific wins). In an
 * override, `maxDivergence` also sets the endpoint's divergence limit.
 */
export function endpointLimits(t: GateThresholds, method: string, route: string): Limits {
  const byRoute = t.endpoints?.[route]
  const byMethod = t.endpoints?.[`${method} ${route}`]
  const out: Limits = stripEndpoints(t)
  for (const o of [byRoute, byMethod]) {
    if (!o) continue
    Object.assign(out, stripUndefined(o))
    if (o.maxEndpointDivergence === undefined && o.maxDivergence !== undefined) out.maxEndpointDivergence = o.maxDivergence
  }
  return out
}

function checkLimits(obj: Partial<Limits>, where: string, problems: string[]): void {
  for (const [key, value] of Object.entries(obj)) {
    if (value === undefined || key === 'endpoints') continue
    if (!LIMIT_KEYS.includes(key as keyof Limits)) {
      if (where !== 'gate') problems.push(`${where}.${key} is not a threshold; expected one of ${LIMIT_KEYS.join(', ')}`)
      continue
    }
    if (key === 'confidence') {
      if (where !== 'gate') problems.push(`${where}.confidence: the confidence applies to the whole gate; set gate.confidence instead`)
      else if (!(typeof value === 'number' && (value === 0 || (value > 0.5 && value < 1)))) {
        problems.push(`gate.confidence must be 0 (off) or a level above 0.5 and below 1 (0.95 = 95 %), got ${typeof value === 'number' ? String(value) : JSON.stringify(value)}`)
      }
      continue
    }
    const ok =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      value >= 0 &&
      (!(RATE_KEYS as readonly string[]).includes(key) || value <= 1) &&
      (!(COUNT_KEYS as readonly string[]).includes(key) || Number.isInteger(value))
    if (!ok) {
      const expected = (RATE_KEYS as readonly string[]).includes(key)
        ? 'a fraction from 0 to 1 (0.01 = 1 %)'
        : (COUNT_KEYS as readonly string[]).includes(key)
          ? 'a non-negative integer'
          : 'a non-negative number (0 disables)'
      problems.push(`${where}.${key} must be ${expected}, got ${typeof value === 'number' ? String(value) : JSON.stringify(value)}`)
    }
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== undefined && k !== 'endpoints')) as Partial<T>
}

function stripEndpoints(t: GateThresholds): Limits {
  const { endpoints: _unused, ...limits } = t
  return limits
}

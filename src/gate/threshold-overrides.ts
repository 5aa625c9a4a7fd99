/**
 * Gate thresholds come from the config file's `gate` section, then flags
 * (CLI) or query parameters (admin API) override them one by one. Values are
 * validated here so `?maxDivergence=abc` is a 400 with a reason, not NaN.
 */
import type { GateThresholds } from '../report/report-types.js'
import { UsageError } from '../errors.js'

type Numeric = Exclude<keyof GateThresholds, 'endpoints'>

const KEYS: Record<Numeric, { flag: string; kind: 'rate' | 'count' | 'ratio' | 'confidence' }> = {
  maxDivergence: { flag: 'max-divergence', kind: 'rate' },
  minSamples: { flag: 'min-samples', kind: 'count' },
  maxErrorRate: { flag: 'max-error-rate', kind: 'rate' },
  maxLatencyRatio: { flag: 'max-latency-ratio', kind: 'ratio' },
  minEndpointSamples: { flag: 'min-endpoint-samples', kind: 'count' },
  maxEndpointDivergence: { flag: 'max-endpoint-divergence', kind: 'rate' },
  confidence: { flag: 'confidence', kind: 'confidence' },
}

/** The flag names (`max-divergence`, …) accepted by `gate`, `report` and `promote`. */
export const THRESHOLD_FLAGS = Object.values(KEYS).map((k) => k.flag)

/** The threshold keys (`maxDivergence`, …) of the config file, query parameters and Flagger metadata. */
export const THRESHOLD_KEYS = Object.keys(KEYS) as Numeric[]

/** `max-divergence` → `maxDivergence`; other names unchanged. */
export function thresholdKey(name: string): string {
  const entry = Object.entries(KEYS).find(([, k]) => k.flag === name)
  return entry ? entry[0] : name
}

/**
 * Reads overrides from flags (`max-divergence`) or query parameters and
 * Flagger metadata (`maxDivergence` or `max-divergence`). Errors name a flag
 * as `--max-divergence` and a parameter by the key it was given under.
 *
 * @example thresholdOverrides({ 'max-divergence': '0.02' }) // { maxDivergence: 0.02 }
 * @example thresholdOverrides({ maxDivergence: '2%' }, 'param') // { maxDivergence: 0.02 }
 */
export function thresholdOverrides(input: Record<string, unknown>, source: 'flag' | 'param' = 'flag'): Partial<GateThresholds> {
  const out: Partial<GateThresholds> = {}
  const problems: string[] = []
  for (const [key, { flag, kind }] of Object.entries(KEYS) as [Numeric, (typeof KEYS)[Numeric]][]) {
    const given = input[key] !== undefined ? key : flag
    const raw = input[given]
    if (raw === undefined) continue
    const name = source === 'flag' ? `--${flag}` : given
    const value = typeof raw === 'number' ? raw : Number(String(raw).trim().replace(/%$/, ''))
    const percent = typeof raw === 'string' && raw.trim().endsWith('%')
    const n = percent ? value / 100 : value
    // Number('') is 0: an empty `?maxDivergence=` must not silently mean "no divergence allowed".
    const blank = typeof raw === 'string' && raw.trim().replace(/%$/, '') === ''
    const badConfidence = kind === 'confidence' && !(n === 0 || (n > 0.5 && n < 1))
    if (blank || !Number.isFinite(n) || n < 0 || badConfidence || (kind === 'rate' && n > 1) || (kind === 'count' && !Number.isInteger(n))) {
      const expected =
        kind === 'rate'
          ? 'a rate from 0 to 1 (or a percentage like 1%)'
          : kind === 'count'
            ? 'a whole number ≥ 0'
            : kind === 'confidence'
              ? 'a confidence level above 0.5 and below 1 (0.95 or 95%), or 0 for off'
              : 'a number ≥ 0'
      problems.push(`${name}: expected ${expected}, got '${String(raw)}'`)
      continue
    }
    out[key] = n
  }
  if (problems.length > 0) throw new UsageError(problems.join('; '))
  return out
}

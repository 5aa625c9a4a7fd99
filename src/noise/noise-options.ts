/**
 * Options of the noise stage: one DEFAULTS object and a validator that
 * collects every problem and throws once.
 */
import { ConfigInvalid } from '../errors.js'

export interface NoiseOptions {
  /**
   * Confidence of the one-sided test that decides whether a field's noise is
   * really noise (default 0.99): a field whose candidate noise count has a
   * p-value below 1 − confidence is reported as divergent.
   */
  confidence: number
  /**
   * Exchanges with a secondary answer needed on a route before its noise is
   * accepted (default 30). Below, noise-shaped differences are reported as
   * `insufficient-data` and the gate counts them as divergent.
   */
  minSamples: number
  /**
   * k: a numeric difference larger than k × the largest primary-vs-secondary
   * difference seen at that field is a divergence (default 4).
   */
  magnitudeFactor: number
  /**
   * Numeric noise observations a field needs before the k × bound applies
   * (default 10). Until then a numeric difference is noise only when this
   * exchange's own secondary differed there too.
   */
  magnitudeSamples: number
  /**
   * While a field's bound is not learned, a numeric difference beyond
   * decisiveFactor × the largest primary-vs-secondary difference seen there
   * (this exchange's own included) is a divergence at once (default 1000):
   * three orders of magnitude beyond the jitter is not jitter. Between k ×
   * and this, the exchange waits for the bound.
   */
  decisiveFactor: number
  /**
   * Secondary answers a route needs before an order-only change, or a fresh
   * value of a random-looking format, with no noise evidence at its field is
   * judged a divergence (default 30). Before, the exchange waits: the next
   * answers may show that noise. 0 judges at once.
   */
  coldSamples: number
  /** Most (route, field) entries learned (default 20,000); beyond, new fields are not learned. */
  maxFields: number
  /**
   * Compare every header (not only what the rules compare) when a secondary
   * is configured, or on routes whose learned noise has minSamples
   * exchanges: the secondary tells noise from change. Volatile headers
   * (date, etag …) are compared by format only. Default: on.
   */
  compareAllHeaders: boolean
}

export const NOISE_DEFAULTS: Readonly<NoiseOptions> = Object.freeze({
  confidence: 0.99,
  minSamples: 30,
  magnitudeFactor: 4,
  magnitudeSamples: 10,
  decisiveFactor: 1000,
  coldSamples: 30,
  maxFields: 20_000,
  compareAllHeaders: true,
})

/**
 * Fills in defaults; throws ConfigInvalid naming every bad key.
 *
 * @example
 *   resolveNoiseOptions({ confidence: 0.999 })
 */
export function resolveNoiseOptions(partial: Partial<NoiseOptions> = {}): NoiseOptions {
  const problems: string[] = []
  for (const [key, value] of Object.entries(partial)) {
    if (value === undefined) continue
    const problem = noiseOptionProblem(key, value)
    if (problem) problems.push(`noise.${key} ${problem}, got ${JSON.stringify(value)}`)
  }
  if (problems.length > 0) throw new ConfigInvalid(problems.join('; '))
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined))
  return Object.freeze({ ...NOISE_DEFAULTS, ...defined })
}

/**
 * What is wrong with one noise option's value (`must be …`), or null when
 * it is valid. Shared with the config file's `noise:` section (src/config.ts).
 *
 * @example
 *   noiseOptionProblem('confidence', 1.5) // 'must be a number between 0 and 1 exclusive (0.99 = 99 %)'
 */
export function noiseOptionProblem(key: string, v: unknown): string | null {
  const num = typeof v === 'number' && Number.isFinite(v)
  switch (key) {
    case 'confidence':
      return num && (v as number) > 0 && (v as number) < 1 ? null : 'must be a number between 0 and 1 exclusive (0.99 = 99 %)'
    case 'minSamples':
    case 'magnitudeSamples':
    case 'coldSamples':
      return Number.isInteger(v) && (v as number) >= 0 ? null : 'must be a non-negative integer'
    case 'maxFields':
      return Number.isInteger(v) && (v as number) > 0 ? null : 'must be a positive integer'
    case 'magnitudeFactor':
    case 'decisiveFactor':
      return num && (v as number) >= 1 ? null : 'must be a number ≥ 1'
    case 'compareAllHeaders':
      return typeof v === 'boolean' ? null : 'must be true or false'
    default:
      return `is not a noise option (expected one of ${Object.keys(NOISE_DEFAULTS).join(', ')})`
  }
}

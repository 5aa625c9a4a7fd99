/**
 * The noise options a command line sets: `--noise-confidence` and
 * `--noise-min-samples`, the two settings of the per-field noise decision
 * (src/noise/field-decision.ts) that every report and gate applies.
 * `serve` and `compare` put them in Config.noise (over the config file's
 * `noise:` section); `report` and `gate`, which run offline on a --db,
 * merge them over the `noise:` section of their --config file.
 */
import { ConfigInvalid, UsageError } from '../errors.js'
import { NOISE_DEFAULTS, resolveNoiseOptions } from '../noise/noise-options.js'
import type { NoiseOptions } from '../noise/noise-options.js'
import { readConfigFile } from './config-file.js'
import { int, num, str, type FlagSpec, type ParsedFlags } from './parse-flags.js'

export const NOISE_FLAGS = {
  'noise-confidence': { type: 'string', arg: 'P', help: 'confidence of the per-field noise test, 0 < P < 1', default: NOISE_DEFAULTS.confidence },
  'noise-min-samples': { type: 'string', arg: 'N', help: 'secondary answers per endpoint before noise is accepted', default: NOISE_DEFAULTS.minSamples },
} satisfies FlagSpec

/** The noise options given as flags (only those given). */
export function noiseFlags(values: ParsedFlags['values']): Partial<Pick<NoiseOptions, 'confidence' | 'minSamples'>> {
  const out: Partial<Pick<NoiseOptions, 'confidence' | 'minSamples'>> = {}
  const confidence = num(values, 'noise-confidence', 0, 1)
  if (confidence !== undefined) {
    // 0 would accept every noise and 1 none: both are mistakes, not settings.
    if (confidence <= 0 || confidence >= 1) {
      throw new UsageError(`--noise-confidence: expected a number between 0 and 1 exclusive, e.g. 0.99, got '${str(values, 'noise-confidence')}'`)
    }
    out.confidence = confidence
  }
  const minSamples = int(values, 'noise-min-samples', 0)
  if (minSamples !== undefined) out.minSamples = minSamples
  return out
}

/**
 * For commands that build a report offline (`report`, `gate`): the
 * `noise:` section of the --config file, if any, with the flags over it.
 * Throws ConfigInvalid naming the file and every bad key.
 *
 * @example
 *   buildReport(sources, { noise: reportNoiseOptions(values, str(values, 'config')) })
 */
export function reportNoiseOptions(values: ParsedFlags['values'], configPath: string | undefined): NoiseOptions {
  const section = configPath === undefined ? {} : noiseSectionOf(configPath)
  try {
    resolveNoiseOptions(section)
  } catch (err) {
    throw new ConfigInvalid(`--config ${configPath}: ${(err as Error).message.replace(/^Invalid config: /, '')}`, { cause: err })
  }
  return resolveNoiseOptions({ ...section, ...noiseFlags(values) })
}

function noiseSectionOf(path: string): Partial<NoiseOptions> {
  const noise = readConfigFile(path).noise
  if (noise === undefined || noise === null) return {}
  // A list or a scalar would spread to nothing and silently decide on defaults.
  if (typeof noise !== 'object' || Array.isArray(noise)) {
    const got = Array.isArray(noise) ? 'a list' : `${typeof noise} ${JSON.stringify(noise)}`
    throw new ConfigInvalid(`--config ${path}: noise: expected a mapping of noise options (confidence: 0.99, minSamples: 30), got ${got}`)
  }
  return noise as Partial<NoiseOptions>
}

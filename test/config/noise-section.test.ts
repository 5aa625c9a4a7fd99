/**
 * The config file's `noise:` section: defaults from NOISE_DEFAULTS, every
 * bad value reported at once with its key, what was given and what was
 * expected; unknown keys are errors.
 */
import { describe, expect, it } from 'vitest'
import { validateConfig } from '../../src/config.js'
import { ConfigInvalid } from '../../src/errors.js'
import { NOISE_DEFAULTS } from '../../src/noise/noise-options.js'

const UPSTREAMS = { primary: 'http://127.0.0.1:9', candidate: 'http://127.0.0.1:9' }

function problemsOf(input: Record<string, unknown>): string[] {
  try {
    validateConfig({ ...UPSTREAMS, ...input })
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigInvalid)
    return (err as Error).message.replace(/^Invalid config: /, '').split('; ')
  }
  throw new Error('expected ConfigInvalid')
}

describe('config noise section', () => {
  it('defaults to NOISE_DEFAULTS and merges what is given, frozen', () => {
    expect(validateConfig(UPSTREAMS).noise).toEqual(NOISE_DEFAULTS)
    const config = validateConfig({ ...UPSTREAMS, noise: { confidence: 0.999, minSamples: 100 } })
    expect(config.noise).toEqual({ ...NOISE_DEFAULTS, confidence: 0.999, minSamples: 100 })
    expect(Object.isFrozen(config.noise)).toBe(true)
  })

  it('lists every bad value with its key, the value given and what was expected', () => {
    expect(
      problemsOf({
        noise: { confidence: 1, minSamples: -1, magnitudeFactor: 0.5, magnitudeSamples: 2.5, decisiveFactor: 0, coldSamples: 1.5, maxFields: 0, compareAllHeaders: 'yes', minSample: 3 },
      }),
    ).toEqual([
      'noise.minSample: unknown key (expected one of confidence, minSamples, magnitudeFactor, magnitudeSamples, decisiveFactor, coldSamples, maxFields, compareAllHeaders)',
      "noise.confidence must be a number between 0 and 1 exclusive (0.99 = 99 %), got '1'",
      "noise.minSamples must be a non-negative integer, got '-1'",
      "noise.magnitudeFactor must be a number ≥ 1, got '0.5'",
      "noise.magnitudeSamples must be a non-negative integer, got '2.5'",
      "noise.decisiveFactor must be a number ≥ 1, got '0'",
      "noise.coldSamples must be a non-negative integer, got '1.5'",
      "noise.maxFields must be a positive integer, got '0'",
      "noise.compareAllHeaders must be true or false, got 'yes'",
    ])
  })

  it('a section that is not a mapping is refused', () => {
    expect(problemsOf({ noise: [0.99] })).toEqual(["noise must be a mapping, got '[0.99]'"])
    expect(problemsOf({ noise: { confidence: '0.99' } })).toEqual(["noise.confidence must be a number between 0 and 1 exclusive (0.99 = 99 %), got '0.99'"])
  })
})

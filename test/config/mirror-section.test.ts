/**
 * The `mirror:` settings of the adaptive controller: defaults, flags
 * (`--mirror-concurrency`, `--min-in-flight`, `--mirror-memory`), and every
 * bad value reported with its key, what was given and what was expected.
 */
import { describe, expect, it } from 'vitest'
import { validateConfig } from '../../src/config.js'
import { ConfigInvalid } from '../../src/errors.js'
import { configFromFlags } from '../../src/cli/serve-options.js'

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

describe('config mirror section (adaptive concurrency)', () => {
  it('defaults: adaptive, 4 to 1024 in flight, a 64 MB budget', () => {
    const { mirror } = validateConfig(UPSTREAMS)
    expect(mirror).toMatchObject({ concurrency: 'adaptive', minInFlight: 4, maxInFlight: 1024, memoryMb: 64, maxQueue: 512 })
  })

  it('takes the flags', () => {
    const config = configFromFlags({ ...UPSTREAMS, 'mirror-concurrency': 'fixed', 'min-in-flight': '2', 'max-in-flight': '64', 'mirror-memory': '32' }, {})
    expect(config.mirror).toMatchObject({ concurrency: 'fixed', minInFlight: 2, maxInFlight: 64, memoryMb: 32 })
  })

  it('reports every bad value at once', () => {
    expect(problemsOf({ mirror: { concurrency: 'auto', memoryMb: 0, minInFlight: 0 } })).toEqual([
      "mirror.concurrency must be 'adaptive' or 'fixed', got 'auto'",
      "mirror.minInFlight must be an integer from 1 to 65536, got '0'",
      "mirror.memoryMb must be a number from 1 to 1048576, got '0'",
    ])
  })
})

/**
 * The capture's config keys and flags: defaults, validation that names
 * each bad key with the value received, and the serve flags mapping onto
 * them.
 */
import { describe, expect, it } from 'vitest'
import { validateConfig } from '../../src/config.js'
import { parseFlags } from '../../src/cli/parse-flags.js'
import { SERVE_FLAGS, configFromFlags } from '../../src/cli/serve-options.js'

const base = { primary: 'http://127.0.0.1:1', candidate: 'http://127.0.0.1:2' }

describe('capture config', () => {
  it('is off by default, with every method a replay may need', () => {
    expect(validateConfig(base).capture).toEqual({ file: null, sample: 100, maxBytes: 0, rotate: false, methods: ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'] })
  })

  it('names every bad key and the value it got', () => {
    expect(() => validateConfig({ ...base, capture: { file: '', sample: 150, maxBytes: -1, rotate: 'yes', methods: ['G T'], every: 1 } })).toThrow(
      "Invalid config: capture.every: unknown key (expected one of file, sample, maxBytes, rotate, methods); capture.file must be a non-empty string, got ''; capture.sample must be a number from 0 to 100, got '150'; capture.maxBytes must be an integer from 0 to 9007199254740991, got '-1'; capture.rotate must be true or false, got 'yes'; capture.methods must be a list of HTTP methods such as GET,HEAD,OPTIONS, got '[\"G T\"]'",
    )
  })

  it('--capture, --capture-sample and --capture-max-bytes set capture.file, sample and maxBytes', () => {
    const args = ['--primary', base.primary, '--candidate', base.candidate, '--capture', 'traffic/c.ndjson', '--capture-sample', '2.5', '--capture-max-bytes', '1000000']
    const config = configFromFlags(parseFlags(args, SERVE_FLAGS).values, {})
    expect(config.capture).toMatchObject({ file: 'traffic/c.ndjson', sample: 2.5, maxBytes: 1_000_000 })
    expect(() => configFromFlags(parseFlags([...args, '--capture-sample', '101'], SERVE_FLAGS).values, {})).toThrow("--capture-sample: expected a number from 0 to 100, got '101'")
  })
})

/**
 * `--noise-confidence` / `--noise-min-samples`: on serve and compare they
 * land in Config.noise over the config file's `noise:` section; report and
 * gate read the same section from --config. Bad values are usage errors
 * naming the flag (or the file and key) and what was expected.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseFlags } from '../../src/cli/parse-flags.js'
import { SERVE_FLAGS, SERVE_USAGE, configFromFlags } from '../../src/cli/serve-options.js'
import { COMPARE_USAGE } from '../../src/cli/compare-command.js'
import { reportNoiseOptions } from '../../src/cli/noise-flags.js'
import { NOISE_DEFAULTS } from '../../src/noise/noise-options.js'
import { tempDir } from '../helpers/proxy.js'
import { runCli } from '../helpers/cli.js'

const BASE = ['--primary', 'http://127.0.0.1:9', '--candidate', 'http://127.0.0.1:9', '--rules', 'rules/examples']
const serveConfig = (argv: string[]) => configFromFlags(parseFlags([...BASE, ...argv], SERVE_FLAGS).values, {})

describe('noise flags', () => {
  it('serve and compare: flags win over the config file, the rest of the section is kept', () => {
    const file = join(tempDir(), 'shadowdiff.yaml')
    writeFileSync(file, 'noise:\n  confidence: 0.95\n  magnitudeFactor: 8\n')
    expect(serveConfig(['--config', file]).noise).toEqual({ ...NOISE_DEFAULTS, confidence: 0.95, magnitudeFactor: 8 })
    expect(serveConfig(['--config', file, '--noise-confidence', '0.999', '--noise-min-samples', '1000']).noise).toEqual({
      ...NOISE_DEFAULTS,
      confidence: 0.999,
      minSamples: 1000,
      magnitudeFactor: 8,
    })
    for (const usage of [SERVE_USAGE, COMPARE_USAGE]) {
      expect(usage).toMatch(/\n {6}--noise-confidence P +confidence of the per-field noise test, 0 < P < 1\s+\(default 0\.99\)\n/)
      expect(usage).toMatch(/\n {6}--noise-min-samples N +secondary answers per endpoint before noise is accepted\s+\(default 30\)\n/)
    }
  })

  it('bad flag values are usage errors naming the flag and what was expected', () => {
    expect(() => serveConfig(['--noise-confidence', '1'])).toThrow("--noise-confidence: expected a number between 0 and 1 exclusive, e.g. 0.99, got '1'")
    expect(() => serveConfig(['--noise-confidence', '99%'])).toThrow("--noise-confidence: expected a number from 0 to 1, got '99%'")
    expect(() => serveConfig(['--noise-min-samples=-3'])).toThrow("--noise-min-samples: expected a whole number from 0 to 9007199254740991, got '-3'")
    expect(() => serveConfig(['--noise-min-samples', 'many'])).toThrow("--noise-min-samples: expected a whole number from 0 to 9007199254740991, got 'many'")
  })

  it('report and gate: the --config noise section, flags over it; a bad section names the file and every key', async () => {
    const dir = tempDir()
    const good = join(dir, 'good.yaml')
    writeFileSync(good, 'gate: { maxDivergence: 0.02 }\nnoise: { confidence: 0.95, minSamples: 5 }\n')
    expect(reportNoiseOptions({}, good)).toMatchObject({ confidence: 0.95, minSamples: 5 })
    expect(reportNoiseOptions({ 'noise-min-samples': '50' }, good)).toMatchObject({ confidence: 0.95, minSamples: 50 })
    const bad = join(dir, 'bad.yaml')
    writeFileSync(bad, 'noise: { confidence: 2, minSample: 5 }\n')
    const res = await runCli(['gate', '--config', bad, '--db', join(dir, 'none.db')])
    expect(res.code).toBe(2)
    expect(res.stderr).toContain(`--config ${bad}: noise.confidence must be a number between 0 and 1 exclusive (0.99 = 99 %), got 2; noise.minSample is not a noise option`)
    const list = join(dir, 'list.yaml')
    writeFileSync(list, 'noise: [0.99]\n')
    expect(() => reportNoiseOptions({}, list)).toThrow(`--config ${list}: noise: expected a mapping of noise options (confidence: 0.99, minSamples: 30), got a list`)
  })
})

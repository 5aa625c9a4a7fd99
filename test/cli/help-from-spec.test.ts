/**
 * Every command's --help is generated from the flag spec that parses it
 * (src/cli/parse-flags.ts): each flag has its argument name and help text,
 * the real binary's help lists exactly the flags the parser accepts, the
 * top-level help lists every command, and the defaults shown are the ones
 * the code applies.
 */
import { describe, expect, it } from 'vitest'
import { COMMANDS, USAGE } from '../../src/cli/main.js'
import { renderUsage } from '../../src/cli/flag-usage.js'
import { parseFlags } from '../../src/cli/parse-flags.js'
import { THRESHOLD_FLAGS } from '../../src/gate/threshold-overrides.js'
import { DEFAULT_THRESHOLDS } from '../../src/gate/thresholds.js'
import { THRESHOLD_FLAG_SPEC } from '../../src/cli/gate-command.js'
import { DEFAULTS } from '../../src/config.js'
import { runCli } from '../helpers/cli.js'
import { flagsInHelp, helpDefault } from '../helpers/help-text.js'


describe('help generated from the flag spec', () => {
  it('every flag of every command has an argument name (string flags) and a help text', () => {
    const missing: string[] = []
    for (const { spec } of COMMANDS) {
      for (const [name, def] of Object.entries(spec.flags)) {
        if (name === 'help') continue
        if (!def.help) missing.push(`${spec.name} --${name}: no help`)
        if (def.type === 'string' && !def.arg) missing.push(`${spec.name} --${name}: no arg name`)
      }
    }
    expect(missing).toEqual([])
  })

  it("each command's --help (from the real binary) lists exactly the flags its parser accepts", async () => {
    const results = await Promise.all(COMMANDS.map(({ spec }) => runCli([...spec.name.split(' '), '--help'])))
    COMMANDS.forEach(({ spec }, i) => {
      const { code, stdout } = results[i]
      expect(code, spec.name).toBe(0)
      expect(stdout, spec.name).toBe(renderUsage(spec) + '\n')
      expect(stdout.startsWith(`Usage: shadowdiff ${spec.name}`), spec.name).toBe(true)
      expect(flagsInHelp(stdout).sort(), spec.name).toEqual([...Object.keys(spec.flags).filter((f) => f !== 'help'), 'help'].sort())
      // The parser accepts each flag the help shows.
      for (const [name, def] of Object.entries(spec.flags)) {
        const argv = def.type === 'string' ? [`--${name}`, 'x'] : [`--${name}`]
        expect(() => parseFlags(argv, spec.flags, spec.positionals), `${spec.name} --${name}`).not.toThrow()
      }
    })
  })

  it('columns are aligned: every flag line starts its help text at the same column, or on the next line when the flag is too long', () => {
    for (const { spec } of COMMANDS) {
      const lines = renderUsage(spec, 100).split('\n')
      const columns = new Set<number>()
      for (const [i, line] of lines.entries()) {
        const m = /^( {2}(?:-\w, | {4})--[\w-]+(?: \S+)?)( +)\S/.exec(line)
        if (m) columns.add(m[1].length + m[2].length)
        else if (/^ {2}(?:-\w, | {4})--[\w-]+(?: \S+)?$/.test(line)) columns.add(lines[i + 1].search(/\S/))
      }
      expect(columns.size, `${spec.name}: ${[...columns].join(', ')}`).toBe(1)
      for (const line of lines) expect(line.length, `${spec.name}: ${line}`).toBeLessThanOrEqual(100)
    }
  })

  it('the top-level help lists every command, rules suggest and status included', async () => {
    const { stdout, code } = await runCli(['--help'])
    expect(code).toBe(0)
    expect(stdout).toBe(USAGE + '\n')
    const listed = [...stdout.matchAll(/^ {2}([a-z]+(?: [a-z]+)?) {2,}\S/gm)].map((m) => m[1])
    expect(listed).toEqual(COMMANDS.map((c) => c.spec.name))
    for (const name of ['rules suggest', 'status', 'serve', 'compare', 'demo']) expect(listed).toContain(name)
  })

  it('the defaults shown are the ones applied (thresholds, config DEFAULTS)', () => {
    expect(Object.keys(THRESHOLD_FLAG_SPEC).sort()).toEqual([...THRESHOLD_FLAGS].sort())
    expect(THRESHOLD_FLAG_SPEC['max-divergence'].default).toBe(DEFAULT_THRESHOLDS.maxDivergence)
    expect(THRESHOLD_FLAG_SPEC['min-samples'].default).toBe(DEFAULT_THRESHOLDS.minSamples)
    // Not "off": the per-endpoint limit follows --max-divergence (src/gate/thresholds.ts).
    expect(THRESHOLD_FLAG_SPEC['max-endpoint-divergence'].default).toBe('the --max-divergence value')
    const serve = COMMANDS.find((c) => c.spec.name === 'serve')!.spec
    const help = renderUsage(serve, 100)
    for (const [flag, value] of [
      ['port', DEFAULTS.port],
      ['admin-port', DEFAULTS.adminPort],
      ['max-in-flight', DEFAULTS.mirror.maxInFlight],
      ['max-queue', DEFAULTS.mirror.maxQueue],
      ['mirror-timeout', DEFAULTS.mirror.timeoutMs],
      ['mirror-methods', DEFAULTS.mirror.methods.join(',')],
      ['served-by-header', DEFAULTS.split.servedByHeader],
    ] as const) {
      expect(helpDefault(help, flag), flag).toBe(String(value))
    }
  })
})

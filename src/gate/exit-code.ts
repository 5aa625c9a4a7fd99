/**
 * The exit status of a gate verdict, for every command that gates
 * (`gate`, `replay`): 0 pass, 1 fail, 3 inconclusive (a statistical gate
 * whose bounds straddle the threshold) unless `--inconclusive fail|pass`
 * maps it for tools that only know 0/1. Usage and unreadable input exit 2
 * before any verdict exists.
 */
import type { GateVerdict } from '../report/report-types.js'
import { UsageError } from '../errors.js'

export const EXIT_PASS = 0
export const EXIT_FAIL = 1
export const EXIT_USAGE = 2
export const EXIT_INCONCLUSIVE = 3

export function gateExitCode(verdict: Pick<GateVerdict, 'verdict'>, inconclusive?: 'fail' | 'pass'): number {
  if (verdict.verdict === 'pass') return EXIT_PASS
  if (verdict.verdict === 'fail') return EXIT_FAIL
  return inconclusive === 'pass' ? EXIT_PASS : inconclusive === 'fail' ? EXIT_FAIL : EXIT_INCONCLUSIVE
}

/** The `--inconclusive` flag of a gating command: undefined (exit 3), `fail` or `pass`. */
export function inconclusiveFlag(raw: string | undefined): 'fail' | 'pass' | undefined {
  if (raw === undefined || raw === 'fail' || raw === 'pass') return raw
  throw new UsageError(`--inconclusive: expected fail or pass, got '${raw}'`)
}

/**
 * The exit status of a gate verdict, for every command that gates
 * (`gate`, `replay`): 0 pass, 1 fail. Usage and unreadable input exit 2
 * before any verdict exists. A verdict with more outcomes (an inconclusive
 * statistical gate) gets its code here, and every gating command follows.
 */
import type { GateVerdict } from '../report/report-types.js'

export const EXIT_PASS = 0
export const EXIT_FAIL = 1
export const EXIT_USAGE = 2

export function gateExitCode(verdict: GateVerdict): number {
  return verdict.ok ? EXIT_PASS : EXIT_FAIL
}

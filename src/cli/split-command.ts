/**
 * `shadowdiff split` shows or sets who serves real users;
 * `shadowdiff rollback` sends everyone back to the primary at once.
 * Both print the resulting state as a sentence, or the admin API's JSON
 * with `--format json`.
 */
import { UsageError } from '../errors.js'
import { TRAFFIC_MODES } from '../split/traffic-mode.js'
import type { TrafficState } from '../split/audit-event.js'
import { num, oneOf, parseCommandFlags, str, type CommandSpec, type FlagSpec } from './parse-flags.js'
import { ADMIN_FLAGS, adminClient } from './admin-client.js'
import { describeTraffic } from './status-text.js'

export const FORMAT_FLAG = { format: { type: 'string', arg: 'text|json', help: 'text for people, json for scripts', default: 'text' } } satisfies FlagSpec

const SPLIT_FLAGS = {
  mode: { type: 'string', arg: 'MODE', help: 'shadow (the primary serves, the candidate is mirrored), split (--weight % of users on the candidate) or candidate (blue/green flip)' },
  weight: { type: 'string', arg: 'PERCENT', help: 'candidate share of users in split mode, 0–100, fractional allowed' },
  'reverse-shadow': { type: 'string', arg: 'on|off', help: 'keep calling and comparing the side that did not serve' },
  cause: { type: 'string', arg: 'TEXT', help: 'why (kept in the audit trail)', default: 'set from the CLI' },
  ...FORMAT_FLAG,
  ...ADMIN_FLAGS,
} satisfies FlagSpec

export const SPLIT_COMMAND: CommandSpec = {
  name: 'split',
  synopsis: '[--mode shadow|split|candidate] [--weight PERCENT] [--reverse-shadow on|off]',
  summary: 'show or set who serves users: shadow, split (weight %), candidate',
  description: 'Without --mode, --weight or --reverse-shadow, prints the current state.',
  flags: SPLIT_FLAGS,
}

export async function splitCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandFlags(argv, SPLIT_COMMAND)
  if (parsed === undefined) return 0
  const { values } = parsed
  const format = oneOf(values, 'format', ['text', 'json'] as const) ?? 'text'
  const admin = adminClient(values)
  const next: Partial<TrafficState> = {}
  // Checked here, before any call, in the flags' words.
  const mode = oneOf(values, 'mode', TRAFFIC_MODES)
  if (mode !== undefined) Object.assign(next, { mode })
  const weight = num(values, 'weight', 0, 100)
  if (weight !== undefined) {
    if (mode === 'shadow' && weight !== 0) throw new UsageError(`--weight ${weight}: shadow mode serves everyone from the primary (weight 0); use --mode split --weight ${weight}`)
    if (mode === 'candidate' && weight !== 100) throw new UsageError(`--weight ${weight}: candidate mode serves everyone from the candidate (weight 100); use --mode split --weight ${weight}`)
    Object.assign(next, { weight })
  }
  const reverse = oneOf(values, 'reverse-shadow', ['on', 'off', 'true', 'false'] as const)
  if (reverse !== undefined) Object.assign(next, { reverseShadow: reverse === 'on' || reverse === 'true' })
  const changing = Object.keys(next).length > 0
  const state = changing
    ? await admin.call<TrafficState>('PUT', '/api/split', { ...next, cause: str(values, 'cause') ?? SPLIT_FLAGS.cause.default })
    : await admin.call<TrafficState>('GET', '/api/split')
  console.log(format === 'json' ? JSON.stringify(state) : `${changing ? 'now ' : ''}${describeTraffic(state)}`)
  return 0
}

const ROLLBACK_FLAGS = {
  cause: { type: 'string', arg: 'TEXT', help: 'why (kept in the audit trail)', default: 'rollback from the CLI' },
  ...FORMAT_FLAG,
  ...ADMIN_FLAGS,
} satisfies FlagSpec

export const ROLLBACK_COMMAND: CommandSpec = {
  name: 'rollback',
  synopsis: '[--cause TEXT]',
  summary: 'send every user back to the primary at once',
  description: 'Sends every user back to the primary (shadow mode) from the next request on, and stops a promotion in progress.',
  flags: ROLLBACK_FLAGS,
}

export async function rollbackCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandFlags(argv, ROLLBACK_COMMAND)
  if (parsed === undefined) return 0
  const { values } = parsed
  const format = oneOf(values, 'format', ['text', 'json'] as const) ?? 'text'
  const state = await adminClient(values).call<TrafficState>('POST', '/api/rollback', { cause: str(values, 'cause') ?? ROLLBACK_FLAGS.cause.default })
  console.log(format === 'json' ? JSON.stringify(state) : `rolled back: ${describeTraffic(state)}`)
  return 0
}

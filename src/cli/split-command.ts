/**
 * `shadowdiff split` shows or sets who serves real users;
 * `shadowdiff rollback` sends everyone back to the primary at once.
 */
import { UsageError } from '../errors.js'
import { num, parseCommandFlags, str, type FlagSpec } from './parse-flags.js'
import { ADMIN_FLAGS, ADMIN_USAGE, adminClient } from './admin-client.js'

const SPLIT_FLAGS: FlagSpec = {
  ...ADMIN_FLAGS,
  mode: { type: 'string' },
  weight: { type: 'string' },
  'reverse-shadow': { type: 'string' },
  cause: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
}

const SPLIT_USAGE = `Usage: shadowdiff split [--mode shadow|split|candidate] [--weight PERCENT] [--reverse-shadow on|off]

  Without options, prints the current state.
  --mode MODE              shadow (primary serves, candidate mirrored), split, candidate (blue/green flip)
  --weight PERCENT         candidate share in split mode, 0–100, fractional allowed
  --reverse-shadow on|off  keep calling and comparing the side that did not serve
  --cause TEXT             why (kept in the audit trail)
${ADMIN_USAGE}`

export async function splitCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandFlags(argv, SPLIT_FLAGS, SPLIT_USAGE)
  if (parsed === undefined) return 0
  const { values } = parsed
  const admin = adminClient(values)
  const next: Record<string, unknown> = {}
  const mode = str(values, 'mode')
  if (mode !== undefined) next.mode = mode
  const weight = num(values, 'weight', 0, 100)
  if (weight !== undefined) next.weight = weight
  const reverse = str(values, 'reverse-shadow')
  if (reverse !== undefined) {
    if (!['on', 'off', 'true', 'false'].includes(reverse)) throw new UsageError(`--reverse-shadow: expected on or off, got '${reverse}'`)
    next.reverseShadow = reverse === 'on' || reverse === 'true'
  }
  const state = Object.keys(next).length === 0 ? await admin.call('GET', '/api/split') : await admin.call('PUT', '/api/split', { ...next, cause: str(values, 'cause') ?? 'set from the CLI' })
  console.log(JSON.stringify(state))
  return 0
}

const ROLLBACK_FLAGS: FlagSpec = { ...ADMIN_FLAGS, cause: { type: 'string' }, help: { type: 'boolean', short: 'h' } }

export async function rollbackCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandFlags(argv, ROLLBACK_FLAGS, `Usage: shadowdiff rollback [--cause TEXT]\n\n  Sends every user back to the primary (shadow mode) for the next request.\n${ADMIN_USAGE}`)
  if (parsed === undefined) return 0
  const { values } = parsed
  const state = await adminClient(values).call('POST', '/api/rollback', { cause: str(values, 'cause') ?? 'rollback from the CLI' })
  console.log(JSON.stringify(state))
  return 0
}

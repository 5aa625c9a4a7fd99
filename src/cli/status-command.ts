/**
 * `shadowdiff status`: what a running proxy is doing, from its admin API
 * (`GET /api/status`, and `GET /api/promote` when a promotion ran): mode and
 * weight, the counts, store health, rules, the promotion. Text for people,
 * `--format json` (the /api/status object) for scripts.
 */
import type { PromotionStatus } from '../split/promotion-plan.js'
import { oneOf, parseCommandFlags, str, type CommandSpec, type FlagSpec } from './parse-flags.js'
import { ADMIN_FLAGS, adminClient, DEFAULT_ADMIN } from './admin-client.js'
import { FORMAT_FLAG } from './split-command.js'
import { renderStatus } from './status-text.js'

const FLAGS = { ...FORMAT_FLAG, ...ADMIN_FLAGS } satisfies FlagSpec

export const STATUS_COMMAND: CommandSpec = {
  name: 'status',
  synopsis: '[--admin URL] [--format json]',
  summary: 'what a running proxy is doing: mode, weight, counts, store, rules, promotion',
  flags: FLAGS,
  footer: 'Exit status: 0 when the proxy answered, 2 when it could not be reached.',
}

export async function statusCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandFlags(argv, STATUS_COMMAND)
  if (parsed === undefined) return 0
  const { values } = parsed
  const format = oneOf(values, 'format', ['text', 'json'] as const) ?? 'text'
  const admin = adminClient(values)
  const status = await admin.call<Record<string, unknown>>('GET', '/api/status')
  if (format === 'json') {
    console.log(JSON.stringify(status, null, 2))
    return 0
  }
  // A receiver has no promotion; an idle one needs no second call.
  const promotion = status.promotion !== undefined && status.promotion !== 'idle' ? await admin.call<PromotionStatus>('GET', '/api/promote') : undefined
  console.log(renderStatus(str(values, 'admin') ?? DEFAULT_ADMIN, status, promotion))
  return 0
}

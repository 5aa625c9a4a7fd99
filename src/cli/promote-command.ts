/**
 * `shadowdiff promote`: progressive promotion driven from the command line.
 * The state machine runs inside the proxy and lives in its SQLite file, so
 * this command only starts it and follows it: stopping the CLI does not stop
 * the promotion, and running it again re-attaches.
 *
 *   shadowdiff promote --steps 1,5,25,50,100 --interval 5m [thresholds]
 *   shadowdiff promote --blue-green --interval 5m [thresholds]
 *   shadowdiff promote --continue | --abort | --status
 *
 * Starting one while another runs exits 2 and prints the running plan,
 * unless --replace: a second operator must never believe their steps run
 * while the first plan goes on.
 */
import { setTimeout as delay } from 'node:timers/promises'
import { UsageError } from '../errors.js'
import { parseSteps, parseDuration } from '../split/split-options.js'
import type { PromotionStatus } from '../split/promotion-plan.js'
import { evidenceText } from '../split/promotion.js'
import { DEFAULT_EVALUATE_EVERY_MS } from '../split/promotion-plan.js'
import { thresholdOverrides } from '../gate/threshold-overrides.js'
import { parseCommandFlags, str, withGroup, type CommandSpec, type FlagSpec } from './parse-flags.js'
import { ADMIN_FLAGS, AdminApiError, adminClient, type AdminClient } from './admin-client.js'
import { THRESHOLD_FLAG_SPEC } from './gate-command.js'

const FLAGS = {
  steps: { type: 'string', arg: 'LIST', group: 'Start', help: "candidate weights in %, increasing; 'pause' after a weight waits for --continue" },
  interval: { type: 'string', arg: 'DURATION', group: 'Start', help: "least time per step; its gate must pass on the step's own traffic (30s, 5m, 1h)" },
  'max-interval': { type: 'string', arg: 'DURATION', group: 'Start', help: 'while the gate is inconclusive, wait up to this long per step', default: 'the --interval value' },
  'on-inconclusive': { type: 'string', arg: 'fail|pause', group: 'Start', help: 'a step still inconclusive at --max-interval rolls back (fail) or pauses', default: 'fail' },
  'evaluate-every': {
    type: 'string',
    arg: 'DURATION',
    group: 'Start',
    help: 'evaluate the gate this often during a step; a failing gate rolls back at once',
    default: `${DEFAULT_EVALUATE_EVERY_MS / 1000}s, or --interval if shorter`,
  },
  'blue-green': {
    type: 'boolean',
    group: 'Start',
    help: 'instead of --steps: shadow until the gate passes, one flip to candidate mode (the primary mirrored and compared), then the post-promotion gate for --interval; rolls back on failure',
  },
  pause: { type: 'string', arg: 'LIST', group: 'Start', help: "also pause after these weights (same as 'pause' in --steps)" },
  replace: { type: 'boolean', group: 'Start', help: 'replace a running promotion instead of exiting 2' },
  'no-wait': { type: 'boolean', group: 'Start', help: 'start (or continue) and return at once instead of following the promotion' },
  continue: { type: 'boolean', group: 'A promotion in progress', help: 'go on after a pause' },
  abort: { type: 'boolean', group: 'A promotion in progress', help: 'stop it and send every user back to the primary' },
  status: { type: 'boolean', group: 'A promotion in progress', help: 'print where it stands (JSON)' },
  cause: { type: 'string', arg: 'TEXT', group: 'A promotion in progress', help: 'why, with --abort (kept in the audit trail)', default: 'aborted from the CLI' },
  ...withGroup(THRESHOLD_FLAG_SPEC, 'Thresholds of every step'),
  ...withGroup(ADMIN_FLAGS, 'Options'),
} satisfies FlagSpec

export const PROMOTE_COMMAND: CommandSpec = {
  name: 'promote',
  synopsis: '--steps 1,5,25,50,100 --interval 5m [options]\n--blue-green --interval 5m [options]\n--continue | --abort [--cause TEXT] | --status',
  summary: 'progressive promotion: step weights up, gate each step, roll back on failure',
  description: 'The promotion runs inside the proxy and survives restarts of the proxy and of this command; running it again follows it.',
  flags: FLAGS,
  footer: 'Exit status: 0 promoted to 100%, 1 rolled back or aborted, 2 usage or a promotion already running.',
}

export async function promoteCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandFlags(argv, PROMOTE_COMMAND)
  if (parsed === undefined) return 0
  const { values } = parsed
  const admin = adminClient(values)
  const actions = ['continue', 'abort', 'status'].filter((a) => values[a])
  if (actions.length > 1) throw new UsageError(`choose one of --continue, --abort, --status, got ${actions.map((a) => `--${a}`).join(' and ')}`)
  if (values.status) return printStatus(await admin.call<PromotionStatus>('GET', '/api/promote'))
  if (values.continue) {
    const status = await admin.call<PromotionStatus>('POST', '/api/promote/continue')
    console.log(describe(status))
    return follow(admin, values['no-wait'] === true)
  }
  if (values.abort) {
    const status = await admin.call<PromotionStatus>('POST', '/api/promote/abort', { cause: str(values, 'cause') ?? FLAGS.cause.default })
    console.log(describe(status))
    return 1
  }

  const blueGreen = values['blue-green'] === true
  const stepsText = str(values, 'steps')
  const intervalText = str(values, 'interval')
  if (blueGreen && stepsText) throw new UsageError(`--blue-green has its own two phases (shadow, then candidate): leave out --steps, got --steps ${stepsText}`)
  if ((!blueGreen && !stepsText) || !intervalText) {
    throw new UsageError(`--steps and --interval are required to start a promotion, e.g. --steps 1,5,25,50,100 --interval 5m (or --blue-green --interval 5m)`)
  }
  const { steps, pauseAt } = blueGreen ? { steps: [0, 100], pauseAt: [] as number[] } : asUsage(() => parseSteps(stepsText!))
  const intervalMs = asUsage(() => parseDuration(intervalText, '--interval'))
  const extraPauses = str(values, 'pause')
  if (extraPauses) {
    if (blueGreen) throw new UsageError('--pause: a blue-green promotion has no pause steps')
    for (const w of extraPauses.split(',').map((s) => Number(s.trim()))) {
      if (!steps.includes(w)) throw new UsageError(`--pause: ${w} is not one of the --steps (${steps.join(', ')})`)
      if (w === steps[steps.length - 1]) throw new UsageError(`--pause: cannot pause after the last step (${w})`)
      if (!pauseAt.includes(w)) pauseAt.push(w)
    }
  }
  const plan: Record<string, unknown> = blueGreen ? { strategy: 'blue-green', intervalMs } : { steps, intervalMs, pauseAt }
  const maxText = str(values, 'max-interval')
  if (maxText) {
    plan.maxIntervalMs = asUsage(() => parseDuration(maxText, '--max-interval'))
    if ((plan.maxIntervalMs as number) < intervalMs) throw new UsageError(`--max-interval must be at least --interval (${intervalText}), got '${maxText}'`)
  }
  const everyText = str(values, 'evaluate-every')
  if (everyText) plan.evaluateEveryMs = asUsage(() => parseDuration(everyText, '--evaluate-every'))
  const onInconclusive = str(values, 'on-inconclusive')
  if (onInconclusive !== undefined) {
    if (onInconclusive !== 'fail' && onInconclusive !== 'pause') throw new UsageError(`--on-inconclusive: expected fail or pause, got '${onInconclusive}'`)
    plan.onInconclusive = onInconclusive
  }
  plan.thresholds = thresholdOverrides(values)
  try {
    const status = await admin.call<PromotionStatus>('POST', '/api/promote', { ...plan, ...(values.replace === true && { replace: true }) })
    const what = blueGreen ? `blue/green: shadow until the gate passes, then candidate mode for ${intervalText}` : `steps ${steps.join('% → ')}%, ${intervalText} each`
    console.log(`promotion started: ${what}${maxText ? ` (up to ${maxText} while inconclusive)` : ''}${pauseAt.length ? `, pausing after ${pauseAt.join(', ')}%` : ''}`)
    console.log(describe(status))
  } catch (err) {
    if (!(err instanceof AdminApiError) || err.status !== 409) throw err
    // Never "follow" someone else's plan as if it were ours: say what runs, and exit 2.
    const running = await admin.call<PromotionStatus>('GET', '/api/promote')
    console.error(`shadowdiff promote: a promotion is already ${running.state}; your steps were NOT started. Abort it (--abort) or use --replace.`)
    console.error(describe(running))
    console.error(`running plan: ${JSON.stringify(running.plan)}`)
    return 2
  }
  return follow(admin, values['no-wait'] === true)
}

/** Polls the promotion until it ends; prints each new history entry. */
async function follow(admin: AdminClient, noWait: boolean): Promise<number> {
  let seen = -1
  let announcedPause = false
  let lastEvidenceAt = 0
  for (;;) {
    const status = await admin.call<PromotionStatus>('GET', '/api/promote')
    for (const entry of status.history.slice(seen + 1)) {
      const reasons = entry.reasons?.length ? `: ${entry.reasons.join('; ')}` : ''
      const numbers = entry.evidence ? ` [${evidenceText(entry.evidence)}]` : ''
      console.log(`${new Date(entry.at).toISOString()} step ${entry.step} (${entry.weight}%) ${entry.event} by ${entry.actor}${numbers}${reasons}`)
    }
    seen = status.history.length - 1
    // Each evaluation during a step, with its numbers, so a long step shows its evidence growing.
    const last = status.lastEvidence
    if (last && last.at !== lastEvidenceAt && status.state === 'running') {
      console.log(`${new Date(last.at).toISOString()} step ${status.step} (${status.weight}%) so far: ${evidenceText(last)}`)
    }
    lastEvidenceAt = last?.at ?? lastEvidenceAt
    if (status.state === 'succeeded') {
      console.log('promoted: the candidate serves 100% of traffic (the primary is still mirrored as the rollback target)')
      return 0
    }
    if (status.state === 'rolled-back' || status.state === 'aborted') {
      console.log(`${status.state}: traffic is back on the primary (shadow mode)${status.reasons.length ? `\n  - ${status.reasons.join('\n  - ')}` : ''}`)
      return 1
    }
    if (status.state === 'idle') {
      console.log('no promotion in progress')
      return 1
    }
    if (status.state === 'paused' && !announcedPause) {
      console.log(`paused at ${status.weight}%: run 'shadowdiff promote --continue' to go on, or 'shadowdiff promote --abort'`)
      announcedPause = true
    }
    if (status.state !== 'paused') announcedPause = false
    if (noWait) return 0
    const wait = status.nextCheckAt ? Math.min(1_000, Math.max(50, status.nextCheckAt - Date.now())) : 1_000
    await delay(wait)
  }
}

function printStatus(status: PromotionStatus): number {
  console.log(JSON.stringify(status, null, 2))
  return 0
}

function describe(status: PromotionStatus): string {
  const next = status.nextCheckAt ? `, gate check at ${new Date(status.nextCheckAt).toISOString()}` : ''
  return `promotion ${status.state}: step ${status.step} at ${status.weight}%${next}`
}

function asUsage<T>(fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^Invalid config: /, ''))
  }
}

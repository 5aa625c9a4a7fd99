/**
 * The shapes of a progressive promotion: its plan (what the operator asked
 * for) and its record (where it stands, persisted in SQLite).
 */
import { BadRequest } from '../errors.js'
import type { PromotionPhase, PromotionStateName } from './audit-event.js'

export type { PromotionStateName } from './audit-event.js'

/** What `start()` accepts. */
export interface PromotionPlanInput {
  /** Candidate weights, strictly increasing, each in (0, 100], e.g. [1, 5, 25, 50, 100]. Left out for blue-green. */
  steps?: number[]
  /** Time each step serves real traffic before its gate is evaluated. */
  intervalMs: number
  /** Weights after which the promotion waits for `continue()` (Argo Rollouts `pause: {}`). */
  pauseAt?: number[]
  /** Passed as-is to the gate's `evaluate` (e.g. max divergence rate); must be JSON. */
  thresholds?: Record<string, unknown>
  /** Mirror the side that did not serve (roles reversed for candidate-served requests) at every step. Default true. */
  reverseShadow?: boolean
  /**
   * Longest a step waits for a conclusive gate (pass or fail) once its
   * interval is over; default = intervalMs (no extension).
   */
  maxIntervalMs?: number
  /** How often the gate is evaluated during a step, so a failing candidate is rolled back early. Default min(5 s, intervalMs). */
  evaluateEveryMs?: number
  /** What a step still inconclusive at maxIntervalMs does: `fail` (roll back, the default) or `pause` (wait for continue). */
  onInconclusive?: 'fail' | 'pause'
  /**
   * `canary` (the default): the steps as given. `blue-green`: steps [0, 100]
   * — shadow until the gate passes, one flip to `candidate` mode with the
   * primary mirrored and compared, then the post-promotion gate for
   * intervalMs; `steps` must be left out.
   */
  strategy?: 'canary' | 'blue-green'
}

/** A validated plan, as stored. A step of weight 0 is shadow mode (blue/green's first phase). */
export interface PromotionPlan {
  steps: number[]
  intervalMs: number
  pauseAt: number[]
  thresholds?: Record<string, unknown>
  reverseShadow: boolean
  maxIntervalMs: number
  evaluateEveryMs: number
  onInconclusive: 'fail' | 'pause'
  strategy: 'canary' | 'blue-green'
}

/** What a step's gate measured: printed by `promote`, kept in the history and the audit trail. */
export interface StepEvidence {
  /** When it was evaluated (epoch ms). */
  at: number
  /** The window judged (epoch ms), exact to the second. */
  since: number
  until: number
  verdict: 'pass' | 'fail' | 'inconclusive'
  served: number
  compared: number
  divergent: number
  divergenceRate: number
  /** Candidate errors as the gate counts them (failed or 5xx where the primary was not). */
  candidateErrors: number
  errorRate: number
  /** One-sided bounds at the gate's confidence, when it has one. */
  confidence?: number
  divergenceBounds?: [number, number]
  errorRateBounds?: [number, number]
  latencyRatio: number | null
  notMirrored: number
  skipped: number
  dropped: number
  moreSamples?: number | null
}

export type PromotionHistoryEvent =
  | 'step' // entered a step: traffic set to its weight
  | 'passed' // the gate passed for the step
  | 'paused' // waiting for continue()
  | 'continued'
  | 'extended' // interval over, gate inconclusive: waiting up to maxIntervalMs
  | 'resumed' // reloaded after a restart
  | 'succeeded'
  | 'rolled-back'
  | 'aborted'

export interface PromotionHistoryEntry {
  at: number
  event: PromotionHistoryEvent
  /** 1-based step number. */
  step: number
  weight: number
  actor: string
  reasons?: string[]
  /** The gate's numbers behind a passed, extended, paused, rolled-back or aborted entry. */
  evidence?: StepEvidence
}

/** Where a promotion stands; what `status()` returns and the store persists. */
export interface PromotionStatus {
  state: PromotionStateName
  plan: PromotionPlan | null
  /** 1-based step number (0 when idle); after a rollback, the step whose gate failed. */
  step: number
  /** Candidate weight now being served by this promotion (0 after rollback/abort). */
  weight: number
  startedAt: number | null
  stepStartedAt: number | null
  /** When the current step's gate is evaluated next; null when paused or finished. */
  nextCheckAt: number | null
  /** Start of the window the current step is judged on: the first whole second after its traffic change. */
  judgedSince?: number | null
  /** The latest evaluation of the current (or last) step. */
  lastEvidence?: StepEvidence | null
  /** Why it was rolled back or aborted. */
  reasons: string[]
  history: PromotionHistoryEntry[]
}

export const IDLE_STATUS: PromotionStatus = Object.freeze({
  state: 'idle',
  plan: null,
  step: 0,
  weight: 0,
  startedAt: null,
  stepStartedAt: null,
  nextCheckAt: null,
  reasons: [],
  history: [],
})

const PLAN_KEYS = ['steps', 'intervalMs', 'pauseAt', 'thresholds', 'reverseShadow', 'maxIntervalMs', 'evaluateEveryMs', 'onInconclusive', 'strategy']

/** A step's gate is evaluated this often by default, so a failing candidate is rolled back within seconds. */
export const DEFAULT_EVALUATE_EVERY_MS = 5_000

/**
 * A stored plan from before these keys existed, completed with the defaults
 * it ran with (one evaluation at the end of each interval).
 */
export function completePlan(plan: PromotionPlan): PromotionPlan {
  return {
    ...plan,
    maxIntervalMs: plan.maxIntervalMs ?? plan.intervalMs,
    evaluateEveryMs: plan.evaluateEveryMs ?? plan.intervalMs,
    onInconclusive: plan.onInconclusive ?? 'fail',
    strategy: plan.strategy ?? 'canary',
  }
}

/**
 * Ends a promotion in place: its state, no next check, the reasons, weight 0
 * unless it succeeded, and one history entry. Returns where it stood before,
 * for the audit event. Promotion uses it, and so does a fleet instance that
 * ends the shared promotion in the same transaction as an operator's traffic
 * change (src/split/fleet-changes.ts), so both record the same shape.
 */
export function endStatus(
  s: PromotionStatus,
  state: 'succeeded' | 'rolled-back' | 'aborted',
  actor: string,
  reasons: string[],
  now: number,
  evidence?: StepEvidence,
): PromotionPhase {
  const from = { state: s.state, step: s.step, weight: s.weight }
  Object.assign(s, { state, nextCheckAt: null, reasons })
  if (state !== 'succeeded') s.weight = 0
  s.history.push({ at: now, event: state, step: s.step, weight: s.weight, actor, ...(reasons.length ? { reasons } : {}), ...(evidence && { evidence }) })
  return from
}

/** True while a promotion owns the traffic state. */
export function isActive(state: PromotionStateName): boolean {
  return state === 'running' || state === 'paused'
}

/**
 * Validates a plan; collects every problem into one error.
 *
 * @throws BadRequest naming each key and value, e.g. `steps must increase, got 25 after 50`.
 */
export function validatePlan(input: PromotionPlanInput): PromotionPlan {
  const problems: string[] = []
  if (input === null || typeof input !== 'object') throw new BadRequest(`promotion plan must be an object, got ${JSON.stringify(input)}`)
  for (const key of Object.keys(input)) {
    if (!PLAN_KEYS.includes(key)) problems.push(`promotion.${key} is not a known key (expected ${PLAN_KEYS.join(', ')})`)
  }
  const strategy = input.strategy ?? 'canary'
  if (strategy !== 'canary' && strategy !== 'blue-green') problems.push(`promotion.strategy must be canary or blue-green, got ${JSON.stringify(strategy)}`)
  if (strategy === 'blue-green') {
    if (input.steps !== undefined) problems.push('promotion.steps: a blue-green promotion has its own two phases (shadow, then candidate); leave steps out')
    if (input.reverseShadow === false) problems.push('promotion.reverseShadow: a blue-green promotion keeps the primary mirrored and compared after the flip; it cannot be false')
    if (input.pauseAt !== undefined && input.pauseAt.length > 0) problems.push('promotion.pauseAt: a blue-green promotion has no pause steps')
  }
  const steps = (strategy === 'blue-green' ? [0, 100] : input.steps) as number[]
  if (strategy === 'blue-green') {
    // Its two phases are valid by construction.
  } else if (!Array.isArray(steps) || steps.length === 0) {
    problems.push(`promotion.steps must be a non-empty array of weights like [1, 5, 25, 50, 100], got ${JSON.stringify(steps)}`)
  } else {
    steps.forEach((w, i) => {
      if (typeof w !== 'number' || !(w > 0 && w <= 100)) problems.push(`promotion.steps[${i}] must be a weight in (0, 100], got ${JSON.stringify(w)}`)
      else if (i > 0 && w <= steps[i - 1]) problems.push(`promotion.steps must increase, got ${w} after ${steps[i - 1]}`)
    })
  }
  const { intervalMs } = input
  if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs <= 0) {
    problems.push(`promotion.intervalMs must be a positive number of milliseconds, got ${JSON.stringify(intervalMs)}`)
  }
  const pauseAt = input.pauseAt ?? []
  if (!Array.isArray(pauseAt)) problems.push(`promotion.pauseAt must be an array of step weights, got ${JSON.stringify(pauseAt)}`)
  else if (Array.isArray(steps)) {
    for (const w of pauseAt) {
      if (!steps.includes(w)) problems.push(`promotion.pauseAt: ${JSON.stringify(w)} is not one of the steps ${steps.join(', ')}`)
      else if (w === steps[steps.length - 1]) problems.push(`promotion.pauseAt: ${w} is the last step; there is nothing to continue to`)
    }
  }
  if (input.thresholds !== undefined && (input.thresholds === null || typeof input.thresholds !== 'object' || Array.isArray(input.thresholds))) {
    problems.push(`promotion.thresholds must be an object, got ${JSON.stringify(input.thresholds)}`)
  }
  if (input.reverseShadow !== undefined && typeof input.reverseShadow !== 'boolean') {
    problems.push(`promotion.reverseShadow must be true or false, got ${JSON.stringify(input.reverseShadow)}`)
  }
  const maxIntervalMs = input.maxIntervalMs ?? intervalMs
  if (input.maxIntervalMs !== undefined && !(typeof maxIntervalMs === 'number' && Number.isFinite(maxIntervalMs) && maxIntervalMs >= intervalMs)) {
    problems.push(`promotion.maxIntervalMs must be a number of milliseconds at least intervalMs (${intervalMs}), got ${JSON.stringify(input.maxIntervalMs)}`)
  }
  const evaluateEveryMs = input.evaluateEveryMs ?? Math.min(DEFAULT_EVALUATE_EVERY_MS, intervalMs)
  if (input.evaluateEveryMs !== undefined && !(typeof evaluateEveryMs === 'number' && Number.isFinite(evaluateEveryMs) && evaluateEveryMs >= 100)) {
    problems.push(`promotion.evaluateEveryMs must be at least 100 milliseconds, got ${JSON.stringify(input.evaluateEveryMs)}`)
  }
  const onInconclusive = input.onInconclusive ?? 'fail'
  if (onInconclusive !== 'fail' && onInconclusive !== 'pause') problems.push(`promotion.onInconclusive must be fail or pause, got ${JSON.stringify(onInconclusive)}`)
  if (problems.length > 0) throw new BadRequest(problems.join('; '))
  const plan: PromotionPlan = {
    steps: [...steps],
    intervalMs,
    pauseAt: [...pauseAt],
    reverseShadow: input.reverseShadow ?? true,
    maxIntervalMs,
    evaluateEveryMs,
    onInconclusive,
    strategy,
  }
  if (input.thresholds !== undefined) plan.thresholds = structuredClone(input.thresholds)
  return plan
}

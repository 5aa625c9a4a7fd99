/**
 * The shapes of a progressive promotion: its plan (what the operator asked
 * for) and its record (where it stands, persisted in SQLite).
 */
import { BadRequest } from '../errors.js'
import type { PromotionStateName } from './audit-event.js'

export type { PromotionStateName } from './audit-event.js'

/** What `start()` accepts. */
export interface PromotionPlanInput {
  /** Candidate weights, strictly increasing, each in (0, 100], e.g. [1, 5, 25, 50, 100]. */
  steps: number[]
  /** Time each step serves real traffic before its gate is evaluated. */
  intervalMs: number
  /** Weights after which the promotion waits for `continue()` (Argo Rollouts `pause: {}`). */
  pauseAt?: number[]
  /** Passed as-is to the gate's `evaluate` (e.g. max divergence rate); must be JSON. */
  thresholds?: Record<string, unknown>
  /** Mirror the primary (roles reversed) once the candidate serves 100%. Default true. */
  reverseShadow?: boolean
}

/** A validated plan, as stored. */
export interface PromotionPlan {
  steps: number[]
  intervalMs: number
  pauseAt: number[]
  thresholds?: Record<string, unknown>
  reverseShadow: boolean
}

export type PromotionHistoryEvent =
  | 'step' // entered a step: traffic set to its weight
  | 'passed' // the gate passed for the step
  | 'paused' // waiting for continue()
  | 'continued'
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
  /** When the current step's gate is evaluated; null when paused or finished. */
  nextCheckAt: number | null
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
    if (!['steps', 'intervalMs', 'pauseAt', 'thresholds', 'reverseShadow'].includes(key)) {
      problems.push(`promotion.${key} is not a known key (expected steps, intervalMs, pauseAt, thresholds, reverseShadow)`)
    }
  }
  const steps = input.steps
  if (!Array.isArray(steps) || steps.length === 0) {
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
  if (problems.length > 0) throw new BadRequest(problems.join('; '))
  const plan: PromotionPlan = { steps: [...steps], intervalMs, pauseAt: [...pauseAt], reverseShadow: input.reverseShadow ?? true }
  if (input.thresholds !== undefined) plan.thresholds = structuredClone(input.thresholds)
  return plan
}

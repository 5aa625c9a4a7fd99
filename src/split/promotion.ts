/**
 * Progressive promotion: moves real users to the candidate step by step,
 * checks the gate after each step and rolls back by itself.
 *
 *   idle ─start→ running ─gate ok→ next step … ─gate ok at last step→ succeeded
 *                  │  └─gate ok at a pause step→ paused ─continue (gate ok)→ next step
 *                  └─gate fails / rollback monitor / operator→ rolled-back | aborted
 *
 * Each step sets mode `split` with its weight; a step of 100 sets mode
 * `candidate` instead, with reverse shadow on by default, so the primary keeps
 * receiving mirrored traffic and stays a warm rollback target. The gate is
 * evaluated on the traffic since the step began. Every transition is saved in
 * SQLite before the next timer is armed: a restarted process resumes at the
 * same step with the time that was left (evaluating at once if the interval
 * passed while it was down) and never skips a step.
 */
import type { Database } from 'better-sqlite3'
import { ListenerSet } from './audit-event.js'
import type { AuditEvent, AuditListener, PromotionPhase } from './audit-event.js'
import { IDLE_STATUS, isActive, validatePlan } from './promotion-plan.js'
import type { PromotionHistoryEvent, PromotionPlanInput, PromotionStatus } from './promotion-plan.js'
import { PromotionStore } from './promotion-store.js'
import { realScheduler } from './scheduler.js'
import type { Scheduler } from './scheduler.js'
import { PromotionConflict } from './split-errors.js'
import type { TrafficMode } from './traffic-mode.js'

/** The gate's answer for one step. */
export interface GateVerdict {
  ok: boolean
  reasons: string[]
}

/** Evaluates the gate on the traffic recorded since `sinceMs` (epoch ms). */
export type EvaluateGate = (sinceMs: number, thresholds?: Record<string, unknown>) => Promise<GateVerdict>

export interface PromotionOptions {
  db: Database
  traffic: TrafficMode
  evaluate: EvaluateGate
  scheduler?: Scheduler
  /** Audit listener added before a resumed promotion emits its first event. */
  onEvent?: AuditListener
  onListenerError?: (err: unknown) => void
}

const SELF = 'promotion'

/**
 * @example
 *   const promotion = new Promotion({ db, traffic, evaluate: (since) => gate.evaluate(since) })
 *   promotion.start({ steps: [1, 5, 25, 50, 100], intervalMs: 5 * 60_000, pauseAt: [25] })
 */
export class Promotion {
  #store: PromotionStore
  #traffic: TrafficMode
  #evaluate: EvaluateGate
  #clock: Scheduler
  #listeners: ListenerSet
  #status: PromotionStatus
  #timer: unknown = undefined
  // Bumped on every transition: a gate answer or timer from an older epoch is stale.
  #epoch = 0
  #pending: Promise<void> | null = null
  // True while this promotion changes the traffic, so its own events are not taken for outside ones.
  #applying = false
  #unsubscribe: () => void

  /** Loads the last promotion and, if it was running or paused, resumes it. */
  constructor(options: PromotionOptions) {
    this.#store = new PromotionStore(options.db)
    this.#traffic = options.traffic
    this.#evaluate = options.evaluate
    this.#clock = options.scheduler ?? realScheduler
    this.#listeners = new ListenerSet(options.onListenerError)
    if (options.onEvent) this.#listeners.add(options.onEvent)
    this.#status = this.#store.load() ?? structuredClone(IDLE_STATUS)
    this.#unsubscribe = this.#traffic.subscribe((event) => this.#onTrafficEvent(event))
    if (isActive(this.#status.state)) this.#resume()
  }

  /** Adds an audit listener for promotion events; returns a function that removes it. */
  subscribe(listener: AuditListener): () => void {
    return this.#listeners.add(listener)
  }

  /** A copy of where the promotion stands. */
  status(): PromotionStatus {
    return structuredClone(this.#status)
  }

  /**
   * Starts a promotion at its first step.
   * @throws BadRequest for an invalid plan; PromotionConflict while one is running or paused.
   */
  start(input: PromotionPlanInput, actor = 'operator'): PromotionStatus {
    const plan = validatePlan(input)
    if (isActive(this.#status.state)) {
      throw new PromotionConflict(`a promotion is already ${this.#status.state} at step ${this.#status.step}; abort it first`)
    }
    const from = this.#phase()
    this.#epoch++
    this.#status = { ...structuredClone(IDLE_STATUS), plan, startedAt: this.#clock.now() }
    this.#enterStep(1, actor, `promotion started: steps ${plan.steps.join(', ')}`, from)
    return this.status()
  }

  /**
   * Leaves a pause: evaluates the gate on the traffic since the paused step
   * began, then moves to the next step or rolls back.
   * @throws PromotionConflict unless paused.
   */
  async continue(actor = 'operator'): Promise<PromotionStatus> {
    if (this.#status.state !== 'paused' || this.#pending !== null) {
      throw new PromotionConflict(`continue needs a paused promotion, but it is ${this.#pending ? 'being evaluated' : this.#status.state}`)
    }
    this.#history('continued', actor)
    this.#save()
    await this.#check(actor)
    return this.status()
  }

  /**
   * Stops the promotion and sends every user back to the primary.
   * @throws PromotionConflict unless running or paused.
   */
  abort(reason: string, actor = 'operator'): PromotionStatus {
    if (!isActive(this.#status.state)) throw new PromotionConflict(`no promotion to abort, it is ${this.#status.state}`)
    this.#applyRollback(actor, `promotion aborted: ${reason}`)
    this.#finish('aborted', actor, `aborted: ${reason}`, [reason])
    return this.status()
  }

  /** Resolves once no gate evaluation is in flight (tests await it instead of sleeping). */
  async settled(): Promise<void> {
    while (this.#pending !== null) await this.#pending
  }

  /** Clears timers and listeners; the saved state stays, so a new instance resumes it. */
  close(): void {
    this.#epoch++
    this.#clearTimer()
    this.#unsubscribe()
  }

  #enterStep(step: number, actor: string, cause: string, from = this.#phase()): void {
    const s = this.#status
    const plan = s.plan!
    const weight = plan.steps[step - 1]
    this.#applyTraffic(weight, cause)
    const now = this.#clock.now()
    Object.assign(s, { state: 'running', step, weight, stepStartedAt: now, nextCheckAt: now + plan.intervalMs })
    this.#history('step', actor)
    this.#save()
    this.#emit(actor, cause, from)
    this.#arm()
  }

  #resume(): void {
    const s = this.#status
    const from = this.#phase()
    const cause = `promotion resumed after a restart at step ${s.step}/${s.plan!.steps.length} (${s.weight}%)`
    this.#applyTraffic(s.weight, cause)
    this.#history('resumed', 'restart')
    this.#save()
    this.#emit('restart', cause, from)
    if (s.state === 'running') this.#arm()
  }

  /** Arms the timer for the current step's check; a late wake-up (or a restart past the interval) checks at once. */
  #arm(): void {
    this.#clearTimer()
    const epoch = this.#epoch
    const delay = Math.max(0, this.#status.nextCheckAt! - this.#clock.now())
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined
      if (epoch !== this.#epoch || this.#status.state !== 'running') return
      // Timers may fire early (clamped long delays, coarse clocks): re-arm until due.
      if (this.#clock.now() < this.#status.nextCheckAt!) return this.#arm()
      void this.#check(SELF)
    }, delay)
  }

  /** Evaluates the gate for the current step and acts on the verdict. */
  #check(actor: string): Promise<void> {
    const epoch = ++this.#epoch
    const { stepStartedAt, plan } = this.#status
    const run = async () => {
      let verdict: GateVerdict
      try {
        verdict = await this.#evaluate(stepStartedAt!, plan!.thresholds)
      } catch (err) {
        // Fail safe: a gate that cannot answer does not let the promotion go on.
        verdict = { ok: false, reasons: [`gate evaluation failed: ${err instanceof Error ? err.message : String(err)}`] }
      }
      if (epoch !== this.#epoch) return // aborted, rolled back or closed meanwhile
      if (verdict.ok) this.#afterPass(actor)
      else this.#afterFail(verdict.reasons.length > 0 ? verdict.reasons : ['the gate failed without a reason'])
    }
    const pending = run().finally(() => {
      if (this.#pending === pending) this.#pending = null
    })
    this.#pending = pending
    return pending
  }

  #afterPass(actor: string): void {
    const s = this.#status
    const plan = s.plan!
    this.#history('passed', SELF)
    if (s.step === plan.steps.length) {
      this.#finish('succeeded', SELF, `promotion succeeded: the candidate serves ${s.weight}%`, [])
    } else if (plan.pauseAt.includes(s.weight) && s.state === 'running') {
      const from = this.#phase()
      Object.assign(s, { state: 'paused', nextCheckAt: null })
      this.#history('paused', SELF)
      this.#save()
      this.#emit(SELF, `gate passed at ${s.weight}%; paused until continue`, from)
    } else {
      this.#enterStep(s.step + 1, actor, `gate passed at ${s.weight}%; step ${s.step + 1}/${plan.steps.length}`)
    }
  }

  #afterFail(reasons: string[]): void {
    const s = this.#status
    const cause = `gate failed at step ${s.step}/${s.plan!.steps.length} (${s.weight}%): ${reasons.join('; ')}`
    this.#applyRollback(SELF, cause)
    this.#finish('rolled-back', SELF, cause, reasons)
  }

  /** Someone else moved the traffic while we owned it: a rollback ends us as rolled-back, anything else as aborted. */
  #onTrafficEvent(event: AuditEvent): void {
    if (this.#applying || event.type === 'promotion' || !isActive(this.#status.state)) return
    if (event.type === 'rollback') this.#finish('rolled-back', event.actor, `rolled back by ${event.actor}`, [event.cause])
    else this.#finish('aborted', event.actor, `traffic changed by ${event.actor}`, [`traffic changed by ${event.actor}: ${event.cause}`])
  }

  #finish(state: 'succeeded' | 'rolled-back' | 'aborted', actor: string, cause: string, reasons: string[]): void {
    this.#epoch++
    this.#clearTimer()
    const s = this.#status
    const from = this.#phase()
    Object.assign(s, { state, nextCheckAt: null, reasons })
    if (state !== 'succeeded') s.weight = 0
    this.#history(state, actor, reasons)
    this.#save()
    this.#emit(actor, cause, from, reasons)
  }

  #applyTraffic(weight: number, cause: string): void {
    // Every step sets the plan's reverse shadow: a rollback or an operator may have left it off, and a
    // promotion that compares nothing while users move is the silent failure this stage exists to prevent.
    const reverseShadow = this.#status.plan!.reverseShadow
    const next =
      weight >= 100
        ? ({ mode: 'candidate', reverseShadow } as const)
        : weight <= 0
          ? ({ mode: 'shadow', reverseShadow } as const)
          : ({ mode: 'split', weight, reverseShadow } as const)
    this.#withApplying(() => this.#traffic.set(next, { actor: SELF, cause }))
  }

  #applyRollback(actor: string, cause: string): void {
    this.#withApplying(() => this.#traffic.rollback(actor, cause))
  }

  #withApplying(fn: () => void): void {
    this.#applying = true
    try {
      fn()
    } finally {
      this.#applying = false
    }
  }

  #history(event: PromotionHistoryEvent, actor: string, reasons?: string[]): void {
    const { step, weight } = this.#status
    this.#status.history.push({ at: this.#clock.now(), event, step, weight, actor, ...(reasons?.length ? { reasons } : {}) })
  }

  #phase(): PromotionPhase {
    const { state, step, weight } = this.#status
    return { state, step, weight }
  }

  #emit(actor: string, cause: string, from: PromotionPhase, reasons?: string[]): void {
    const data = { from, to: this.#phase(), ...(reasons?.length ? { reasons } : {}) }
    this.#listeners.emit({ at: this.#clock.now(), type: 'promotion', actor, cause, data })
  }

  #save(): void {
    this.#store.save(this.#status, this.#clock.now())
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
  }
}

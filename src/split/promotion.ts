/**
 * Progressive promotion: moves real users to the candidate step by step,
 * judges each step on its own traffic and rolls back by itself.
 *
 *   idle ─start→ running ─gate passes after the interval→ next step … → succeeded
 *                  │  ├─gate inconclusive after the interval→ extended, up to maxIntervalMs
 *                  │  │        └─still inconclusive→ rolled-back (onInconclusive fail) | paused (pause)
 *                  │  └─gate passes at a pause step→ paused ─continue→ next step
 *                  └─gate fails (at any evaluation) / rollback monitor / operator→ rolled-back | aborted
 *
 * Each step sets mode `split` with its weight and the plan's reverse shadow
 * (a step of 100 sets mode `candidate`, one of 0 mode `shadow`), so the side
 * that did not serve keeps being compared. The gate is evaluated every
 * `evaluateEveryMs` on the traffic since the step's first whole second after
 * its traffic change (the store counts per second, so this window holds
 * exactly the exchanges served at the step's weight): a failing verdict
 * rolls back at once, a passing one moves on once the step has lasted its
 * interval. Every evaluation's numbers are kept (`lastEvidence`) and every
 * transition's in the history and the audit trail.
 *
 * Every transition is saved in SQLite before the next timer is armed: a
 * restarted process resumes at the same step with the time that was left
 * (evaluating at once if it is due) and never skips a step. On a fleet
 * (src/split/fleet-control.ts) the store is the shared database, every
 * instance holds a dormant Promotion that mirrors the shared status
 * (`adopt`), and only the instance holding the driver lease runs it.
 */
import type { Database } from 'better-sqlite3'
import { ListenerSet } from './audit-event.js'
import type { AuditEvent, AuditListener, PromotionPhase } from './audit-event.js'
import { completePlan, endStatus, IDLE_STATUS, isActive, validatePlan } from './promotion-plan.js'
import type { PromotionHistoryEvent, PromotionPlanInput, PromotionStatus, StepEvidence } from './promotion-plan.js'
import { PromotionStore } from './promotion-store.js'
import { realScheduler } from './scheduler.js'
import type { Scheduler } from './scheduler.js'
import { PromotionConflict } from './split-errors.js'
import type { TrafficMode } from './traffic-mode.js'

/** The gate's answer for one step. Without `verdict`, `ok` means pass and not ok fail. */
export interface GateVerdict {
  ok: boolean
  reasons: string[]
  verdict?: 'pass' | 'fail' | 'inconclusive'
  evidence?: StepEvidence
}

/** Evaluates the gate on the traffic recorded since `sinceMs` (epoch ms). */
export type EvaluateGate = (sinceMs: number, thresholds?: Record<string, unknown>) => Promise<GateVerdict>

/** Where the promotion's status is kept: SQLite's PromotionStore, or the fleet's shared row. */
export interface PromotionStoreLike {
  load(): PromotionStatus | undefined
  save(status: PromotionStatus, now: number): void
}

export interface PromotionOptions {
  /** The SQLite database whose split_promotion row holds the status (unless `store` is given). */
  db?: Database
  store?: PromotionStoreLike
  traffic: TrafficMode
  evaluate: EvaluateGate
  scheduler?: Scheduler
  /** Audit listener added before a resumed promotion emits its first event. */
  onEvent?: AuditListener
  onListenerError?: (err: unknown) => void
  /**
   * How long a traffic change takes to reach every instance that serves (0
   * in one process; a fleet's propagation bound): a step's judged window
   * starts at the first whole second after that, so it holds only exchanges
   * served at the step's weight on every instance, and its interval (and
   * max interval) count from there.
   */
  settleMs?: number
  /** Ends the promotion when someone else moves `traffic` (default true; a fleet ends it in the same transaction as the change). */
  watchTraffic?: boolean
  /** Loads the status but does not resume it: a fleet instance that does not drive only mirrors it (see `adopt`). */
  dormant?: boolean
}

const SELF = 'promotion'

/**
 * @example
 *   const promotion = new Promotion({ db, traffic, evaluate: (since) => gate.evaluate(since) })
 *   promotion.start({ steps: [1, 5, 25, 50, 100], intervalMs: 5 * 60_000, pauseAt: [25] })
 */
export class Promotion {
  #store: PromotionStoreLike
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
  #settleMs: number

  /** Loads the last promotion and, if it was running or paused, resumes it. */
  constructor(options: PromotionOptions) {
    if (options.store === undefined && options.db === undefined) throw new TypeError('Promotion needs a db or a store')
    this.#store = options.store ?? new PromotionStore(options.db!)
    this.#settleMs = options.settleMs ?? 0
    this.#traffic = options.traffic
    this.#evaluate = options.evaluate
    this.#clock = options.scheduler ?? realScheduler
    this.#listeners = new ListenerSet(options.onListenerError)
    if (options.onEvent) this.#listeners.add(options.onEvent)
    const loaded = this.#store.load()
    if (loaded?.plan) loaded.plan = completePlan(loaded.plan)
    this.#status = loaded ?? structuredClone(IDLE_STATUS)
    this.#unsubscribe = options.watchTraffic === false ? () => {} : this.#traffic.subscribe((event) => this.#onTrafficEvent(event))
    if (isActive(this.#status.state) && !options.dormant) this.#resume()
  }

  /**
   * Replaces the status with `status` (read from the shared store) and stops
   * any timer or evaluation of the old one. With `resume`, an active
   * promotion is resumed at its stored step, window and next check (an
   * instance taking over the driver lease); without, it stays dormant (an
   * instance that follows).
   */
  adopt(status: PromotionStatus, resume?: { actor: string; cause: string }): void {
    this.#epoch++
    this.#clearTimer()
    const copy = structuredClone(status)
    if (copy.plan) copy.plan = completePlan(copy.plan)
    this.#status = copy
    if (resume && isActive(copy.state)) this.#resume(resume.actor, resume.cause)
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
  start(input: PromotionPlanInput, actor = 'operator', options: { replace?: boolean } = {}): PromotionStatus {
    const plan = validatePlan(input)
    if (isActive(this.#status.state)) {
      if (!options.replace) {
        const running = this.#status
        throw new PromotionConflict(
          `a promotion is already ${running.state} at step ${running.step}/${running.plan!.steps.length} (${running.weight}%) of steps ${running.plan!.steps.join(', ')}; ` +
            'abort it first, or replace it',
        )
      }
      // Replaced, not rolled back: the new plan's first step sets the traffic at once.
      this.#finish('aborted', actor, 'replaced by a new promotion', ['replaced by a new promotion'])
    }
    const from = this.#phase()
    this.#epoch++
    this.#status = { ...structuredClone(IDLE_STATUS), plan, startedAt: this.#clock.now() }
    this.#enterStep(1, actor, `promotion started: steps ${plan.steps.join(', ')}`, from)
    return this.status()
  }

  /**
   * Leaves a pause: evaluates the gate on the traffic since the paused step
   * began, then rolls back if it fails, else moves to the next step (an
   * inconclusive gate goes on: the operator decided).
   * @throws PromotionConflict unless paused.
   */
  async continue(actor = 'operator'): Promise<PromotionStatus> {
    if (this.#status.state !== 'paused' || this.#pending !== null) {
      throw new PromotionConflict(`continue needs a paused promotion, but it is ${this.#pending ? 'being evaluated' : this.#status.state}`)
    }
    this.#history('continued', actor)
    this.#save()
    // A failing gate still rolls back; a passing or inconclusive one goes on, on the operator's word.
    await this.#check(actor, true)
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

  #enterStep(step: number, actor: string, cause: string, from = this.#phase(), evidence?: StepEvidence): void {
    const s = this.#status
    const plan = s.plan!
    const weight = plan.steps[step - 1]
    this.#applyTraffic(weight, cause)
    const now = this.#clock.now()
    // The first whole second after the change: the store counts per second, and the
    // second the change happened in holds requests served at the old weight.
    const judgedSince = Math.ceil((now + this.#settleMs) / 1000) * 1000
    Object.assign(s, { state: 'running', step, weight, stepStartedAt: now, judgedSince, lastEvidence: null })
    s.nextCheckAt = this.#nextCheck(now)
    this.#history('step', actor)
    this.#save()
    this.#emit(actor, cause, from, undefined, evidence)
    this.#arm()
  }

  /**
   * The least time the current step lasts: its interval, or none for blue/green's shadow phase (flip as
   * soon as the gate passes). Counted from when every instance serves the step's weight (settleMs), so
   * a fleet's step is judged on as long a window as one process's.
   */
  #minUntil(): number {
    const s = this.#status
    const plan = s.plan!
    const min = plan.strategy === 'blue-green' && s.weight === 0 ? 0 : plan.intervalMs
    return s.stepStartedAt! + this.#settleMs + min
  }

  #deadline(): number {
    return this.#status.stepStartedAt! + this.#settleMs + this.#status.plan!.maxIntervalMs
  }

  /** The next evaluation: every evaluateEveryMs, and exactly at the end of the interval and at the deadline. */
  #nextCheck(now: number): number {
    const every = this.#status.plan!.evaluateEveryMs
    let next = now + every
    const minUntil = this.#minUntil()
    if (now < minUntil && next > minUntil) next = minUntil
    return Math.min(next, Math.max(this.#deadline(), minUntil))
  }

  #resume(actor = 'restart', why = 'after a restart'): void {
    const s = this.#status
    const from = this.#phase()
    const cause = `promotion resumed ${why} at step ${s.step}/${s.plan!.steps.length} (${s.weight}%)`
    this.#applyTraffic(s.weight, cause)
    this.#history('resumed', actor)
    this.#save()
    this.#emit(actor, cause, from)
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

  /**
   * Evaluates the gate for the current step and acts on the verdict: fail
   * rolls back at once; pass moves on once the step lasted its interval;
   * inconclusive waits up to maxIntervalMs. `operator` is set by continue():
   * the operator's word carries an inconclusive step on.
   */
  #check(actor: string, operator = false): Promise<void> {
    const epoch = ++this.#epoch
    const { stepStartedAt, plan } = this.#status
    const since = this.#status.judgedSince ?? stepStartedAt!
    const run = async () => {
      let verdict: GateVerdict
      try {
        verdict = await this.#evaluate(since, plan!.thresholds)
      } catch (err) {
        // Fail safe: a gate that cannot answer does not let the promotion go on.
        verdict = { ok: false, verdict: 'fail', reasons: [`gate evaluation failed: ${err instanceof Error ? err.message : String(err)}`] }
      }
      if (epoch !== this.#epoch) return // aborted, rolled back or closed meanwhile
      const outcome = verdict.verdict ?? (verdict.ok ? 'pass' : 'fail')
      const evidence = verdict.evidence
      if (evidence) this.#status.lastEvidence = evidence
      const reasons = verdict.reasons.length > 0 ? verdict.reasons : [`the gate was ${outcome} without a reason`]
      const now = this.#clock.now()
      if (outcome === 'fail') return this.#afterFail(reasons, evidence)
      if (operator) return this.#afterPass(actor, evidence)
      if (now < this.#minUntil()) return this.#again()
      if (outcome === 'pass') return this.#afterPass(actor, evidence)
      if (now < this.#deadline()) {
        // Once per step, and not in blue/green's shadow phase, which has no interval to extend: it waits for a pass.
        const hasInterval = this.#minUntil() > stepStartedAt!
        if (hasInterval && !this.#status.history.some((e) => e.event === 'extended' && e.step === this.#status.step && e.at >= stepStartedAt!)) {
          this.#history('extended', SELF, reasons, evidence)
        }
        return this.#again()
      }
      const why = [`still inconclusive after ${formatMs(plan!.maxIntervalMs)} (maxInterval)`, ...reasons]
      if (plan!.onInconclusive === 'pause') return this.#pause(`gate inconclusive at ${this.#status.weight}% after the max interval; paused until continue`, why, evidence)
      return this.#afterFail(why, evidence)
    }
    const pending = run().finally(() => {
      if (this.#pending === pending) this.#pending = null
    })
    this.#pending = pending
    return pending
  }

  /** Same step, next evaluation. */
  #again(): void {
    this.#status.nextCheckAt = this.#nextCheck(this.#clock.now())
    this.#save()
    this.#arm()
  }

  #pause(cause: string, reasons: string[], evidence?: StepEvidence): void {
    const s = this.#status
    const from = this.#phase()
    Object.assign(s, { state: 'paused', nextCheckAt: null })
    this.#history('paused', SELF, reasons, evidence)
    this.#save()
    this.#emit(SELF, cause, from, reasons, evidence)
  }

  #afterPass(actor: string, evidence?: StepEvidence): void {
    const s = this.#status
    const plan = s.plan!
    this.#history('passed', SELF, undefined, evidence)
    const numbers = evidence ? ` (${evidenceText(evidence)})` : ''
    if (s.step === plan.steps.length) {
      this.#finish('succeeded', SELF, `promotion succeeded: the candidate serves ${s.weight}%${numbers}`, [], evidence)
    } else if (plan.pauseAt.includes(s.weight) && s.state === 'running') {
      this.#pause(`gate passed at ${s.weight}%${numbers}; paused until continue`, [], evidence)
    } else {
      this.#enterStep(s.step + 1, actor, `gate passed at ${s.weight}%${numbers}; step ${s.step + 1}/${plan.steps.length}`, this.#phase(), evidence)
    }
  }

  #afterFail(reasons: string[], evidence?: StepEvidence): void {
    const s = this.#status
    const numbers = evidence ? ` (${evidenceText(evidence)})` : ''
    const cause = `gate failed at step ${s.step}/${s.plan!.steps.length} (${s.weight}%)${numbers}: ${reasons.join('; ')}`
    this.#applyRollback(SELF, cause)
    this.#finish('rolled-back', SELF, cause, reasons, evidence)
  }

  /** Someone else moved the traffic while we owned it: a rollback ends us as rolled-back, anything else as aborted. */
  #onTrafficEvent(event: AuditEvent): void {
    if (this.#applying || event.type === 'promotion' || !isActive(this.#status.state)) return
    if (event.type === 'rollback') this.#finish('rolled-back', event.actor, `rolled back by ${event.actor}`, [event.cause])
    else this.#finish('aborted', event.actor, `traffic changed by ${event.actor}`, [`traffic changed by ${event.actor}: ${event.cause}`])
  }

  #finish(state: 'succeeded' | 'rolled-back' | 'aborted', actor: string, cause: string, reasons: string[], evidence?: StepEvidence): void {
    this.#epoch++
    this.#clearTimer()
    const from = endStatus(this.#status, state, actor, reasons, this.#clock.now(), evidence)
    this.#save()
    this.#emit(actor, cause, from, reasons, evidence)
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

  #history(event: PromotionHistoryEvent, actor: string, reasons?: string[], evidence?: StepEvidence): void {
    const { step, weight } = this.#status
    this.#status.history.push({ at: this.#clock.now(), event, step, weight, actor, ...(reasons?.length ? { reasons } : {}), ...(evidence && { evidence }) })
  }

  #phase(): PromotionPhase {
    const { state, step, weight } = this.#status
    return { state, step, weight }
  }

  #emit(actor: string, cause: string, from: PromotionPhase, reasons?: string[], evidence?: StepEvidence): void {
    const data = { from, to: this.#phase(), ...(reasons?.length ? { reasons } : {}), ...(evidence && { evidence }) }
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

/** `113 compared of 113 served, divergence 0.0% [≤ 2.6%], candidate errors 0.0%, p99 ratio 1.02×, pass`. */
export function evidenceText(e: StepEvidence): string {
  const pct = (x: number) => `${(x * 100).toFixed(x > 0 && x < 0.001 ? 3 : 1)}%`
  const bound = (b?: [number, number]) => (b ? ` [${pct(b[0])}–${pct(b[1])}]` : '')
  const ratio = e.latencyRatio === null ? 'p99 ratio –' : `p99 ratio ${e.latencyRatio.toFixed(2)}×`
  return (
    `${e.compared} compared of ${e.served} served, divergence ${pct(e.divergenceRate)} (${e.divergent})${bound(e.divergenceBounds)}, ` +
    `candidate errors ${pct(e.errorRate)} (${e.candidateErrors})${bound(e.errorRateBounds)}, ${ratio}, ${e.verdict}`
  )
}

function formatMs(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`
  if (ms % 1000 === 0) return `${ms / 1000}s`
  return `${ms}ms`
}

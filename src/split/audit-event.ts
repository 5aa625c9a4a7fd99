/**
 * The audit trail of the split stage: every change of who serves real users
 * is an event with an actor and a cause, so `GET /api/events` can answer
 * "why did traffic move at 03:12, and who moved it?".
 */

/** Which upstream serves a client's request. */
export type Route = 'primary' | 'candidate'

/**
 * - `shadow`: the primary serves everyone; the candidate is mirrored (dark launch).
 * - `split`: `weight`% of users are served by the candidate, the rest by the primary.
 * - `candidate`: the candidate serves everyone.
 */
export type TrafficModeName = 'shadow' | 'split' | 'candidate'

/** The routing state the proxy reads on every request. Always frozen. */
export interface TrafficState {
  readonly mode: TrafficModeName
  /** Share of users on the candidate in `split` mode, 0–100, fractional (0.01 resolution). */
  readonly weight: number
  /**
   * When true, a request served by the candidate is mirrored to the primary
   * and compared (roles reversed), so divergences keep being recorded and the
   * primary stays warm as a rollback target.
   */
  readonly reverseShadow: boolean
}

/** Where a promotion stands, as carried in its audit events. */
export interface PromotionPhase {
  state: PromotionStateName
  /** 1-based step number; 0 before the first step. */
  step: number
  weight: number
}

export type PromotionStateName = 'idle' | 'running' | 'paused' | 'succeeded' | 'rolled-back' | 'aborted'

/** Who asked for a change and why; every change carries one. */
export interface ChangeMeta {
  /** `operator`, `promotion`, `rollback-monitor`, an admin token's name… */
  actor: string
  cause: string
}

/** One audit event. `data` holds the state before and after the change. */
export type AuditEvent =
  | {
      /** Epoch milliseconds. */
      at: number
      type: 'mode' | 'weight' | 'rollback'
      actor: string
      cause: string
      data: { from: TrafficState; to: TrafficState }
    }
  | {
      at: number
      type: 'promotion'
      actor: string
      cause: string
      data: { from: PromotionPhase; to: PromotionPhase; reasons?: string[] }
    }

export type AuditListener = (event: AuditEvent) => void

/**
 * A set of listeners where one failing listener never stops the change that
 * emitted the event, nor the other listeners: an audit sink that cannot write
 * must not block a rollback.
 */
export class ListenerSet {
  #listeners = new Set<AuditListener>()
  #onError: (err: unknown) => void

  constructor(onError: (err: unknown) => void = defaultOnError) {
    this.#onError = onError
  }

  /** Adds a listener; returns a function that removes it. */
  add(listener: AuditListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  emit(event: AuditEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event)
      } catch (err) {
        this.#onError(err)
      }
    }
  }
}

function defaultOnError(err: unknown): void {
  process.emitWarning(`shadowdiff: an audit listener threw: ${err instanceof Error ? err.message : String(err)}`)
}

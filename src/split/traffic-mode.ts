/**
 * The run-time routing state: which side serves real users, and how many.
 *
 * The proxy reads `traffic.state` once per request without locks. A change
 * never mutates the current object: it builds a new frozen one and swaps the
 * reference, so a request that read the state sees one consistent
 * `{ mode, weight, reverseShadow }` even if a rollback lands mid-request,
 * and the next request sees the new state (Node runs one callback at a time,
 * so the swap is atomic with respect to request handlers).
 */
import { BadRequest } from '../errors.js'
import { ListenerSet } from './audit-event.js'
import type { AuditListener, ChangeMeta, TrafficModeName, TrafficState } from './audit-event.js'

export type { TrafficModeName, TrafficState } from './audit-event.js'

export const TRAFFIC_MODES: readonly TrafficModeName[] = Object.freeze(['shadow', 'split', 'candidate'])

/** The state a fresh proxy starts in: a dark launch. */
export const SHADOW_STATE: TrafficState = Object.freeze({ mode: 'shadow', weight: 0, reverseShadow: false })

export interface TrafficModeOptions {
  /** Clock for event timestamps (tests inject one). */
  now?: () => number
  /** Called when an audit listener throws; defaults to a process warning. */
  onListenerError?: (err: unknown) => void
}

/**
 * Holds the routing state and emits an audit event for every change.
 *
 * @example
 *   const traffic = new TrafficMode()
 *   traffic.subscribe((e) => log.info(e))
 *   traffic.set({ mode: 'split', weight: 5 }, { actor: 'operator', cause: 'first canary' })
 *   // per request:
 *   const side = chooseSide(traffic.state, key)
 */
export class TrafficMode {
  #state: TrafficState
  #listeners: ListenerSet
  #now: () => number

  constructor(initial: Partial<TrafficState> = {}, options: TrafficModeOptions = {}) {
    this.#state = resolveState(SHADOW_STATE, initial)
    this.#listeners = new ListenerSet(options.onListenerError)
    this.#now = options.now ?? Date.now
  }

  /** The current state: a frozen object, replaced (never mutated) on change. */
  get state(): TrafficState {
    return this.#state
  }

  /** Adds an audit listener; returns a function that removes it. */
  subscribe(listener: AuditListener): () => void {
    return this.#listeners.add(listener)
  }

  /**
   * Validates and applies a (partial) change. Keys left out keep their value,
   * except that `shadow` implies weight 0 and `candidate` weight 100.
   * Emits one event: `mode` when mode or reverseShadow changed, else `weight`;
   * nothing when the state is unchanged.
   *
   * @throws BadRequest naming the key and the value when `next` is invalid.
   */
  set(next: Partial<TrafficState>, meta: ChangeMeta): TrafficState {
    const to = resolveState(this.#state, next)
    const from = this.#state
    if (sameState(from, to)) return from
    this.#state = to
    const type = from.mode !== to.mode || from.reverseShadow !== to.reverseShadow ? 'mode' : 'weight'
    this.#listeners.emit({ at: this.#now(), type, actor: meta.actor, cause: meta.cause, data: { from, to } })
    return to
  }

  /**
   * Sends every user back to the primary: mode shadow, weight 0, where every
   * request is mirrored to the candidate and compared. `reverseShadow` is
   * kept: it says whether the side that did not serve is compared once users
   * move again, and a rollback must not silently turn comparison off for the
   * next split or promotion. Effective for the next request. Always emits a
   * `rollback` event, even when already in shadow, so the audit trail shows
   * the attempt.
   */
  rollback(actor: string, cause: string): TrafficState {
    const from = this.#state
    const to: TrafficState = Object.freeze({ ...SHADOW_STATE, reverseShadow: from.reverseShadow })
    this.#state = to
    this.#listeners.emit({ at: this.#now(), type: 'rollback', actor, cause, data: { from, to } })
    return to
  }
}

/**
 * Merges `next` into `base` and validates the result; collects every problem
 * into one error. Unknown keys are errors (a typo must not be ignored).
 */
export function resolveState(base: TrafficState, next: Partial<TrafficState>): TrafficState {
  const problems: string[] = []
  if (next === null || typeof next !== 'object') {
    throw new BadRequest(`split state must be an object like { "mode": "split", "weight": 5 }, got ${show(next)}`)
  }
  for (const key of Object.keys(next)) {
    if (key !== 'mode' && key !== 'weight' && key !== 'reverseShadow') {
      problems.push(`split.${key} is not a known key (expected mode, weight, reverseShadow)`)
    }
  }
  const mode = next.mode ?? base.mode
  if (!TRAFFIC_MODES.includes(mode)) {
    problems.push(`split.mode must be one of ${TRAFFIC_MODES.join(', ')}, got ${show(mode)}`)
  }
  let weight = next.weight
  if (weight !== undefined && (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0 || weight > 100)) {
    problems.push(`split.weight must be a finite number from 0 to 100, got ${show(weight)}`)
  } else if (mode === 'shadow' || mode === 'candidate') {
    const implied = mode === 'shadow' ? 0 : 100
    if (weight !== undefined && weight !== implied) {
      problems.push(`split.weight must be ${implied} (or left out) in ${mode} mode, got ${show(weight)}`)
    }
    weight = implied
  } else {
    weight ??= base.weight
  }
  const reverseShadow = next.reverseShadow ?? base.reverseShadow
  if (typeof reverseShadow !== 'boolean') {
    problems.push(`split.reverseShadow must be true or false, got ${show(reverseShadow)}`)
  }
  if (problems.length > 0) throw new BadRequest(problems.join('; '))
  // Round to the router's 0.01% resolution so the state says what is served.
  return Object.freeze({ mode, weight: Math.round((weight as number) * 100) / 100, reverseShadow })
}

function sameState(a: TrafficState, b: TrafficState): boolean {
  return a.mode === b.mode && a.weight === b.weight && a.reverseShadow === b.reverseShadow
}

function show(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value) ?? String(value)
}

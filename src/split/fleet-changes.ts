/**
 * What an operator's change (or an automatic rollback) writes to the
 * fleet's shared state, computed from the state as it is in the database:
 * pure functions, run inside the transaction that locked the row.
 *
 * They keep the rules of one process: a traffic change made while a
 * promotion runs ends it (a rollback as rolled-back, anything else as
 * aborted), in the same transaction, so the driver can never step the
 * traffic back over an operator's decision (Promotion does the same for an
 * in-process change, in its traffic listener).
 */
import type { AuditEvent, ChangeMeta, TrafficState } from './audit-event.js'
import { endStatus, isActive } from './promotion-plan.js'
import type { PromotionStatus } from './promotion-plan.js'
import type { Draft, SharedRow } from './fleet-store.js'
import { PromotionConflict } from './split-errors.js'
import { resolveState, SHADOW_STATE } from './traffic-mode.js'

/** `next` merged into the shared traffic; null when that changes nothing. @throws BadRequest */
export function setDraft(current: SharedRow, next: Partial<TrafficState>, meta: ChangeMeta, now: number): Draft | null {
  const from = current.traffic
  const to = resolveState(from, next)
  if (to.mode === from.mode && to.weight === from.weight && to.reverseShadow === from.reverseShadow) return null
  const type = from.mode !== to.mode || from.reverseShadow !== to.reverseShadow ? 'mode' : 'weight'
  const events: AuditEvent[] = [{ at: now, type, actor: meta.actor, cause: meta.cause, data: { from, to } }]
  const promotion = structuredClone(current.promotion)
  if (isActive(promotion.state)) {
    const reason = `traffic changed by ${meta.actor}: ${meta.cause}`
    events.push(endEvent(promotion, 'aborted', meta.actor, `traffic changed by ${meta.actor}`, [reason], now))
  }
  return { traffic: to, promotion, change: { type, actor: meta.actor, cause: meta.cause }, events }
}

/** Everyone back to the primary; always a change (the trail shows every attempt, as in one process). */
export function rollbackDraft(current: SharedRow, meta: ChangeMeta, now: number): Draft {
  const from = current.traffic
  const to: TrafficState = Object.freeze({ ...SHADOW_STATE, reverseShadow: from.reverseShadow })
  const events: AuditEvent[] = [{ at: now, type: 'rollback', actor: meta.actor, cause: meta.cause, data: { from, to } }]
  const promotion = structuredClone(current.promotion)
  if (isActive(promotion.state)) events.push(endEvent(promotion, 'rolled-back', meta.actor, `rolled back by ${meta.actor}`, [meta.cause], now))
  return { traffic: to, promotion, change: { type: 'rollback', actor: meta.actor, cause: meta.cause }, events }
}

/** Promotion.abort on the shared state. @throws PromotionConflict when none is running or paused. */
export function abortDraft(current: SharedRow, reason: string, actor: string, now: number): Draft {
  if (!isActive(current.promotion.state)) throw new PromotionConflict(`no promotion to abort, it is ${current.promotion.state}`)
  const from = current.traffic
  const to: TrafficState = Object.freeze({ ...SHADOW_STATE, reverseShadow: from.reverseShadow })
  const cause = `promotion aborted: ${reason}`
  const events: AuditEvent[] = [{ at: now, type: 'rollback', actor, cause, data: { from, to } }]
  const promotion = structuredClone(current.promotion)
  events.push(endEvent(promotion, 'aborted', actor, `aborted: ${reason}`, [reason], now))
  return { traffic: to, promotion, change: { type: 'rollback', actor, cause }, events }
}

function endEvent(s: PromotionStatus, state: 'rolled-back' | 'aborted', actor: string, cause: string, reasons: string[], now: number): AuditEvent {
  const from = endStatus(s, state, actor, reasons, now)
  return { at: now, type: 'promotion', actor, cause, data: { from, to: { state: s.state, step: s.step, weight: s.weight }, reasons } }
}

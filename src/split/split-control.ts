/**
 * The split stage's control surface, as the admin API uses it: every
 * change is asynchronous because on a fleet it is written to the shared
 * database before any instance applies it. Two implementations: this
 * file's LocalSplitControl (one process, its SQLite file: today's
 * behaviour, unchanged) and FleetSplitControl (src/split/fleet-control.ts).
 */
import type { AuditEvent as ReportAuditEvent } from '../report/report-types.js'
import type { ChangeMeta, TrafficState } from './audit-event.js'
import type { PromotionPlanInput, PromotionStatus } from './promotion-plan.js'
import type { Promotion } from './promotion.js'
import type { TrafficMode } from './traffic-mode.js'

export interface SplitControl {
  setTraffic(next: Partial<TrafficState>, meta: ChangeMeta): Promise<TrafficState>
  rollback(actor: string, cause: string): Promise<TrafficState>
  promotionStatus(): PromotionStatus
  startPromotion(plan: PromotionPlanInput, actor: string, options: { replace?: boolean }): Promise<PromotionStatus>
  continuePromotion(actor: string): Promise<PromotionStatus>
  abortPromotion(reason: string, actor: string): Promise<PromotionStatus>
  /** The audit trail, oldest first. */
  events(opts: { since?: number; limit?: number }): Promise<ReportAuditEvent[]>
  /** What /api/status shows of the control plane (a fleet's revision, driver, LISTEN connection), or undefined. */
  status(): Record<string, unknown> | undefined
  close(): Promise<void>
}

/** One process: the traffic state and the promotion in memory, saved in its SQLite file. */
export class LocalSplitControl implements SplitControl {
  #traffic: TrafficMode
  #promotion: Promotion
  #events: SplitControl['events']

  constructor(traffic: TrafficMode, promotion: Promotion, events: SplitControl['events']) {
    this.#traffic = traffic
    this.#promotion = promotion
    this.#events = events
  }

  async setTraffic(next: Partial<TrafficState>, meta: ChangeMeta): Promise<TrafficState> {
    return this.#traffic.set(next, meta)
  }

  async rollback(actor: string, cause: string): Promise<TrafficState> {
    return this.#traffic.rollback(actor, cause)
  }

  promotionStatus(): PromotionStatus {
    return this.#promotion.status()
  }

  async startPromotion(plan: PromotionPlanInput, actor: string, options: { replace?: boolean }): Promise<PromotionStatus> {
    return this.#promotion.start(plan, actor, options)
  }

  continuePromotion(actor: string): Promise<PromotionStatus> {
    return this.#promotion.continue(actor)
  }

  async abortPromotion(reason: string, actor: string): Promise<PromotionStatus> {
    return this.#promotion.abort(reason, actor)
  }

  events(opts: { since?: number; limit?: number }): Promise<ReportAuditEvent[]> {
    return this.#events(opts)
  }

  status(): undefined {
    return undefined
  }

  async close(): Promise<void> {
    this.#promotion.close()
  }
}

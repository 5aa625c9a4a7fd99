/**
 * The fleet's shared control plane (`--db postgres://…`): the split mode
 * and weight, the promotion and the audit trail live in one row of the
 * shared database (src/split/fleet-store.ts), and every instance applies
 * that row to its own TrafficMode, which the proxy reads per request.
 *
 *   operator (any instance) ─ transaction: row FOR UPDATE, revision+1, events, NOTIFY ─→ apply here
 *   driver's promotion step ─ transaction: only at the revision it saw, only holding the lease ─→ apply here
 *   every instance ─ LISTEN (ms) | poll every pollMs | catch-up on reconnect ─→ read row ─→ apply (actor `fleet`)
 *
 * Written first, applied after: a change the database did not take is
 * refused (503 SHD_CONTROL_UNAVAILABLE) and applied nowhere, so instances
 * never disagree because one of them could not write. The only exception is
 * the automatic rollback, a safety action: when it cannot be written it is
 * still applied on the instance that saw the candidate fail.
 *
 * Each change is one audit event, written by the instance that made it in
 * the same transaction; instances that follow apply it without an event.
 *
 * Exactly one instance drives the promotion: the one holding the driver
 * lease (src/split/driver-lease.ts). Every instance holds a Promotion that
 * mirrors the shared status; only the driver's runs its timers and gate,
 * and its transitions (traffic, status, events of one step) are committed
 * together. start and continue received elsewhere are relayed to the
 * driver through split_commands; abort, like any traffic change, is written
 * by whoever receives it.
 */
import type { Logger } from '../logger.js'
import { ShadowdiffError } from '../errors.js'
import type { AuditEvent as ReportAuditEvent } from '../report/report-types.js'
import { describeDatabase } from '../store/database-url.js'
import { ADVISORY_LOCKS, explainPgError } from '../store/pg/pg-connection.js'
import type { AuditEvent, ChangeMeta, TrafficState } from './audit-event.js'
import { DriverLease } from './driver-lease.js'
import { abortDraft, rollbackDraft, setDraft } from './fleet-changes.js'
import { FleetListener, type RefreshSource } from './fleet-listener.js'
import type { ChangeNote, Draft, FleetStore, SharedRow } from './fleet-store.js'
import { CommandRelay } from './command-relay.js'
import type { FleetConnection } from './fleet-connection.js'
import { validatePlan } from './promotion-plan.js'
import type { PromotionPlanInput, PromotionStatus } from './promotion-plan.js'
import { Promotion, type EvaluateGate } from './promotion.js'
import type { SplitControl } from './split-control.js'
import { ControlUnavailable } from './split-errors.js'
import { resolveState, TrafficMode } from './traffic-mode.js'

export interface FleetControlOptions {
  /** The state the proxy reads per request. */
  traffic: TrafficMode
  /** The gate a promotion step is judged by (fleet-wide: the driver judges every instance's traffic). */
  evaluate: EvaluateGate
  logger: Logger
  /** Poll for a missed notification this often. Default 500 ms. */
  pollMs?: number
  /** Try for the driver lease (and check it) this often. Default 1000 ms. */
  leaseRetryMs?: number
  /** How long a relayed start/continue waits for the driver. Default 15 s. */
  commandTimeoutMs?: number
}

interface Batch {
  traffic?: TrafficState
  change?: ChangeNote
  promotion?: PromotionStatus
  events: AuditEvent[]
}

export class FleetSplitControl implements SplitControl {
  /** This instance's Promotion: the live one while it drives, a mirror of the shared status otherwise. */
  readonly promotion: Promotion
  #conn: FleetConnection
  #store: FleetStore
  #traffic: TrafficMode
  // What the driver's Promotion sets: its changes are committed, then applied to #traffic.
  #staged: TrafficMode
  #syncing = false
  #log: Logger
  #listener: FleetListener
  #lease: DriverLease
  #shared: SharedRow
  #applied: number
  #driving = false
  #batch: Batch | null = null
  #writes: Promise<boolean> = Promise.resolve(true)
  #refreshing: Promise<void> | null = null
  #refreshAgain = false
  // Writes of this instance in flight: their NOTIFY can arrive before the write's own apply, and that row is theirs to apply.
  #writing = 0
  #relay: CommandRelay
  #closed = false
  #stats = { notify: 0, poll: 0, reconnect: 0, own: 0, lastAppliedAt: 0, takeovers: 0, commitFailures: 0 }

  constructor(conn: FleetConnection, options: FleetControlOptions) {
    this.#conn = conn
    this.#store = conn.store
    this.#traffic = options.traffic
    this.#log = options.logger
    this.#relay = new CommandRelay(conn.store, options.logger, options.commandTimeoutMs ?? 15_000, (what, err) => this.#unavailable(what, err))
    const pollMs = options.pollMs ?? 500
    this.#shared = conn.row
    this.#applied = conn.row.revision
    this.#traffic.set(conn.row.traffic, { actor: 'fleet', cause: `joined the fleet at revision ${conn.row.revision}` })
    this.#staged = new TrafficMode(conn.row.traffic)
    this.#staged.subscribe((event) => {
      if (!this.#syncing && event.type !== 'promotion') this.#stage({ traffic: event.data.to, change: { type: event.type, actor: event.actor, cause: event.cause }, events: [event] })
    })
    this.promotion = new Promotion({
      store: { load: () => structuredClone(this.#shared.promotion), save: (status) => this.#stage({ promotion: structuredClone(status), events: [] }) },
      traffic: this.#staged,
      evaluate: options.evaluate,
      onEvent: (event) => this.#stage({ events: [event] }),
      onListenerError: (err) => this.#log.error({ err }, 'promotion listener failed'),
      // A step's window opens only once every instance can have applied its weight (the poll is the slowest path).
      settleMs: pollMs + 200,
      watchTraffic: false,
      dormant: true,
    })
    this.#listener = new FleetListener({
      url: conn.url,
      pollMs,
      onRevision: (source) => void this.#refresh(source),
      onCommand: (id) => void this.#runCommand(id),
      onError: (err) => this.#log.warn({ err: explainPgError(err) }, 'fleet control: the LISTEN connection dropped; polling until it is back'),
    })
    this.#lease = new DriverLease({
      url: conn.url,
      key: ADVISORY_LOCKS.promotionDriver,
      retryMs: options.leaseRetryMs ?? 1000,
      onAcquired: () => void this.#takeOver(),
      onLost: (reason) => this.#stepDown(reason),
      onError: () => {},
    })
    this.#listener.start()
    this.#lease.start()
  }

  /** True while this instance holds the lease and runs the promotion. */
  get driving(): boolean {
    return this.#driving
  }

  /** The revision this instance has applied. */
  get revision(): number {
    return this.#applied
  }

  async setTraffic(next: Partial<TrafficState>, meta: ChangeMeta): Promise<TrafficState> {
    resolveState(this.#traffic.state, next) // a bad request is a 400 even while the database is down
    const row = await this.#operator('the traffic state was not changed', (current) => setDraft(current, next, meta, Date.now()), meta)
    return row.traffic
  }

  async rollback(actor: string, cause: string): Promise<TrafficState> {
    const row = await this.#operator('the rollback was not applied', (current) => rollbackDraft(current, { actor, cause }, Date.now()), { actor, cause })
    return row.traffic
  }

  /**
   * The rollback monitor's trip: written to the fleet like any rollback,
   * but applied here even when the database cannot take it, because this
   * instance saw the candidate fail its users.
   */
  autoRollback(reason: string): void {
    const meta = { actor: 'rollback-monitor', cause: reason }
    // Several instances' monitors trip on the same failing candidate: the first rollback is the fleet's, the others find shadow and add nothing.
    const decide = (current: SharedRow) => (current.traffic.mode === 'shadow' ? null : rollbackDraft(current, meta, Date.now()))
    this.#operator('the automatic rollback was not written', decide, meta).catch((err) => {
      this.#log.error({ err: (err as Error).message }, 'automatic rollback could not be written to the fleet; rolled back on this instance only')
      this.#traffic.rollback('rollback-monitor', `${reason} (this instance only: ${(err as Error).message})`)
    })
  }

  /** The committed status (on the driver too: its Promotion runs a few milliseconds ahead of the commit). */
  promotionStatus(): PromotionStatus {
    return structuredClone(this.#shared.promotion)
  }

  async startPromotion(plan: PromotionPlanInput, actor: string, options: { replace?: boolean }): Promise<PromotionStatus> {
    validatePlan(plan)
    if (this.#driving) return this.#drive('the promotion was not started', () => this.promotion.start(plan, actor, options))
    return this.#relay.send('start', { plan: plan as unknown as Record<string, unknown>, replace: options.replace === true }, actor)
  }

  async continuePromotion(actor: string): Promise<PromotionStatus> {
    if (this.#driving) return this.#drive('the promotion was not continued', () => this.promotion.continue(actor))
    return this.#relay.send('continue', {}, actor)
  }

  async abortPromotion(reason: string, actor: string): Promise<PromotionStatus> {
    const cause = `promotion aborted: ${reason}`
    const row = await this.#operator('the promotion was not aborted', (current) => abortDraft(current, reason, actor, Date.now()), { actor, cause })
    return structuredClone(row.promotion)
  }

  async events(opts: { since?: number; limit?: number }): Promise<ReportAuditEvent[]> {
    try {
      return await this.#store.events(opts)
    } catch (err) {
      throw this.#unavailable('the audit trail cannot be read', err)
    }
  }

  status(): Record<string, unknown> {
    const { notify, poll, reconnect, own, lastAppliedAt, takeovers, commitFailures } = this.#stats
    return {
      store: 'postgres',
      instance: this.#store.instance,
      revision: this.#applied,
      driver: this.#driving,
      listening: this.#listener.connected,
      listenReconnects: this.#listener.reconnects,
      // How each applied revision reached this instance: its own write, a notification, the poll, a reconnect's catch-up.
      applied: { own, notify, poll, reconnect },
      lastAppliedAt: lastAppliedAt === 0 ? null : new Date(lastAppliedAt).toISOString(),
      takeovers,
      commitFailures,
    }
  }

  /** Gives up the lease at once (another instance takes over), stops listening, closes the pool. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#driving = false
    this.promotion.close()
    await this.#writes.catch(() => {})
    await Promise.all([this.#lease.close(), this.#listener.close()])
    await this.#refreshing?.catch(() => {})
    await this.#conn.pool.end().catch(() => {})
  }

  /** An operator's change: written under the row lock first; refused (503) when the database cannot take it. */
  async #operator(refused: string, decide: (current: SharedRow) => Draft | null, meta: ChangeMeta): Promise<SharedRow> {
    let out: { row: SharedRow; changed: boolean }
    this.#writing++
    try {
      out = await this.#store.change(decide)
    } catch (err) {
      if (err instanceof ShadowdiffError) throw err // BadRequest, PromotionConflict: the request's fault
      throw this.#unavailable(refused, err)
    } finally {
      this.#writing--
    }
    if (out.changed) {
      this.#stats.own++
      this.#apply(out.row, meta)
    }
    return out.row
  }

  /** Runs a promotion command on the driver and waits until its transition is committed. */
  async #drive(refused: string, run: () => PromotionStatus | Promise<PromotionStatus>): Promise<PromotionStatus> {
    const status = await run()
    // The command staged its transition synchronously: wait for the commit it is in.
    await Promise.resolve()
    if (!(await this.#writes)) throw new ControlUnavailable(`${refused}: the shared database did not take the change; this instance stopped driving and another (or this one) resumes from the stored step`)
    return status
  }

  /** Collects one transition's parts; they are committed together once the current task is done. */
  #stage(part: Batch): void {
    if (!this.#driving) {
      // Only a driver's Promotion runs; a mirror never writes. Reaching this is a bug, not a state to store.
      this.#log.warn({ events: part.events.map((e) => e.cause) }, 'fleet control: a promotion change on an instance that does not drive was dropped')
      return
    }
    if (this.#batch === null) {
      const batch: Batch = { events: [] }
      this.#batch = batch
      this.#writes = this.#writes.then(async () => {
        await Promise.resolve()
        if (this.#batch === batch) this.#batch = null
        return this.#commit(batch)
      })
    }
    const b = this.#batch
    if (part.traffic) Object.assign(b, { traffic: part.traffic, change: part.change })
    if (part.promotion) b.promotion = part.promotion
    b.events.push(...part.events)
  }

  async #commit(batch: Batch): Promise<boolean> {
    if (!this.#driving) return false
    const draft: Draft = {
      traffic: batch.traffic ?? this.#shared.traffic,
      promotion: batch.promotion ?? this.promotion.status(),
      change: batch.change ?? null,
      events: batch.events,
    }
    try {
      this.#writing++
      const row = await this.#store.commitAsDriver(this.#applied, { pid: this.#lease.pid, key: ADVISORY_LOCKS.promotionDriver }, draft).finally(() => this.#writing--)
      if (row !== null) {
        this.#stats.own++
        this.#apply(row, batch.change ?? { actor: 'promotion', cause: 'promotion status' }, true)
        return true
      }
      // Not at the revision we saw: an operator ended the promotion meanwhile (follow it), or the lease is gone (step down).
      await this.#refresh('poll')
      if (this.#driving && this.#shared.promotion.state !== 'running' && this.#shared.promotion.state !== 'paused') return false
      this.#stats.commitFailures++
      this.#lease.stepDown('a promotion step could not be committed (the lease or the revision moved)')
      return false
    } catch (err) {
      this.#stats.commitFailures++
      this.#log.error({ err: explainPgError(err) }, 'fleet control: a promotion step could not be written; stepping down as driver')
      this.#lease.stepDown(`a promotion step could not be written: ${explainPgError(err)}`)
      return false
    }
  }

  /**
   * Applies a shared revision to this instance. `local` names who made it
   * when this instance did (its own actor and cause); otherwise the change
   * is applied as `fleet`. `driverCommit`: the row is the driver's own step,
   * already in its Promotion.
   */
  #apply(row: SharedRow, local?: { actor: string; cause: string }, driverCommit = false): void {
    if (row.revision <= this.#applied) return
    this.#applied = row.revision
    this.#shared = row
    this.#stats.lastAppliedAt = Date.now()
    if (!driverCommit) {
      // A driver only hears of others' changes that ended its promotion (or a stored one it should resume).
      this.promotion.adopt(row.promotion, this.#driving ? { actor: 'fleet', cause: `by ${this.#store.instance}` } : undefined)
      this.#syncing = true
      try {
        this.#staged.set(row.traffic, { actor: 'fleet', cause: 'sync' })
      } finally {
        this.#syncing = false
      }
    }
    const now = this.#traffic.state
    const to = row.traffic
    if (now.mode === to.mode && now.weight === to.weight && now.reverseShadow === to.reverseShadow && row.change?.type !== 'rollback') return
    const c = row.change
    const meta = local ?? { actor: 'fleet', cause: c ? `${c.type} by ${c.actor} on ${row.changedBy} (revision ${row.revision}): ${c.cause}` : `revision ${row.revision} from ${row.changedBy}` }
    // A rollback is applied as one, so local listeners (the rollback monitor) see what it was.
    if (c?.type === 'rollback') this.#traffic.rollback(meta.actor, meta.cause)
    else this.#traffic.set(to, meta)
  }

  /** Reads the shared row if newer than what is applied, one read at a time (a request during one runs once more after). */
  #refresh(source: RefreshSource): Promise<void> {
    if (this.#refreshing) {
      this.#refreshAgain = true
      return this.#refreshing
    }
    const run = async () => {
      do {
        this.#refreshAgain = false
        try {
          const row = await this.#store.read(this.#applied)
          // This instance's own write, still being applied by the writer (a write that failed after committing is applied by the next poll).
          if (row !== undefined && row.changedBy === this.#store.instance && this.#writing > 0) continue
          if (row !== undefined && row.revision > this.#applied) {
            this.#stats[source]++
            this.#apply(row)
          }
        } catch (err) {
          // The poll goes on; an operator's change is refused meanwhile.
          this.#log.debug({ err: explainPgError(err) }, 'fleet control: cannot read the shared state')
        }
      } while (this.#refreshAgain && !this.#closed)
    }
    this.#refreshing = run().finally(() => (this.#refreshing = null))
    return this.#refreshing
  }

  /** The lease is ours: catch up with the shared state, resume a stored promotion, run commands nobody took. */
  async #takeOver(): Promise<void> {
    await this.#refresh('poll')
    if (!this.#lease.held || this.#closed) return
    this.#driving = true
    this.#stats.takeovers++
    const s = this.#shared.promotion
    this.#log.info({ revision: this.#applied, promotion: s.state, step: s.step }, 'fleet control: this instance drives promotions')
    this.promotion.adopt(s, { actor: 'fleet', cause: `by ${this.#store.instance}, the new promotion driver,` })
    try {
      for (const id of await this.#relay.unclaimed()) await this.#runCommand(id)
    } catch (err) {
      this.#log.warn({ err: explainPgError(err) }, 'fleet control: cannot read pending promotion commands')
    }
  }

  #stepDown(reason: string): void {
    if (!this.#driving) return
    this.#driving = false
    this.#batch = null
    this.promotion.adopt(this.#shared.promotion)
    this.#log.warn({ reason }, 'fleet control: this instance no longer drives promotions')
  }

  /** On the driver: take a relayed command, run it, store its answer. */
  async #runCommand(id: number): Promise<void> {
    if (!this.#driving) return
    await this.#relay.serve(id, ({ kind, body, actor }) => {
      // Run here, never relayed again: a driver that stepped down meanwhile answers with the refusal.
      if (!this.#driving) throw new ControlUnavailable(`the promotion driver stepped down before it could ${kind}; retry`)
      return kind === 'start'
        ? this.#drive('the promotion was not started', () => this.promotion.start(body.plan as PromotionPlanInput, actor, { replace: body.replace === true }))
        : this.#drive('the promotion was not continued', () => this.promotion.continue(actor))
    })
  }

  #unavailable(what: string, err: unknown): ShadowdiffError {
    return new ControlUnavailable(
      `${what}: the shared database ${describeDatabase(this.#conn.url)} is unreachable (${explainPgError(err)}); no instance was changed, retry when it is back`,
      { cause: err },
    )
  }
}

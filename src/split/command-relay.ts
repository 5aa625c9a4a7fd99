/**
 * Promotion commands that only the driver can run (start, continue),
 * relayed through the shared database from the instance that received
 * them: the sender queues a row and NOTIFYs, the driver claims it (one
 * UPDATE … WHERE claimed_by IS NULL, so a command runs once even across a
 * takeover), runs it and stores the answer, which the sender polls for.
 * Errors come back with their code and HTTP status, so a 409 from the
 * driver is a 409 on the instance that was asked.
 */
import { setTimeout as delay } from 'node:timers/promises'
import { ShadowdiffError } from '../errors.js'
import type { Logger } from '../logger.js'
import { explainPgError } from '../store/pg/pg-connection.js'
import type { CommandOutcome, FleetStore, RelayedCommand } from './fleet-store.js'
import type { PromotionStatus } from './promotion-plan.js'
import { ControlUnavailable } from './split-errors.js'

export class CommandRelay {
  #store: FleetStore
  #log: Logger
  /** How long a sender waits for a driver to take its command (and again for the answer once taken). */
  readonly timeoutMs: number
  #unavailable: (what: string, err: unknown) => ShadowdiffError

  constructor(store: FleetStore, log: Logger, timeoutMs: number, unavailable: (what: string, err: unknown) => ShadowdiffError) {
    this.#store = store
    this.#log = log
    this.timeoutMs = timeoutMs
    this.#unavailable = unavailable
  }

  /** On any instance: sends the command and waits for the driver's answer. */
  async send(kind: RelayedCommand['kind'], body: Record<string, unknown>, actor: string): Promise<PromotionStatus> {
    let id: number
    try {
      id = await this.#store.enqueue(kind, body, actor)
    } catch (err) {
      throw this.#unavailable(`the promotion ${kind} was not sent`, err)
    }
    let deadline = Date.now() + this.timeoutMs
    for (let extended = false; ; ) {
      await delay(50)
      let o: CommandOutcome
      try {
        o = await this.#store.outcome(id)
      } catch (err) {
        throw this.#unavailable(`the promotion ${kind} was sent, but its answer cannot be read`, err)
      }
      if (o.error) throw new ShadowdiffError(o.error.code, o.error.message, o.error.statusCode)
      if (o.result) return o.result as PromotionStatus
      if (Date.now() < deadline) continue
      // Withdrawn only if still untaken: a driver that took it meanwhile gets one more timeout to answer.
      if (o.claimedBy === null && (await this.#store.expire(id).catch(() => false))) {
        throw new ControlUnavailable(`no instance drives promotions right now (none took the ${kind} within ${this.timeoutMs / 1000} s); nothing was changed`)
      }
      if (extended) throw new ControlUnavailable(`the driver took the promotion ${kind} but did not answer within ${(2 * this.timeoutMs) / 1000} s; check GET /api/promote`)
      extended = true
      deadline = Date.now() + this.timeoutMs
    }
  }

  /** On the driver: claims command `id` (if nobody has), runs it, stores the answer. */
  async serve(id: number, run: (command: RelayedCommand) => Promise<PromotionStatus>): Promise<void> {
    let command: RelayedCommand | undefined
    try {
      command = await this.#store.claim(id)
    } catch (err) {
      return void this.#log.warn({ err: explainPgError(err) }, 'fleet control: cannot claim a promotion command')
    }
    if (command === undefined) return
    let outcome: Parameters<FleetStore['finish']>[1]
    try {
      outcome = { result: await run(command) }
    } catch (err) {
      const e = err as ShadowdiffError
      outcome = { error: { code: e.code ?? 'SHD_ADMIN_ERROR', message: e.message, statusCode: e.statusCode ?? 500 } }
    }
    await this.#store.finish(id, outcome).catch((err) => this.#log.error({ err: explainPgError(err) }, 'fleet control: cannot store a command result'))
  }

  /** Commands nobody took yet (a new driver runs them). */
  unclaimed(): Promise<number[]> {
    return this.#store.unclaimed(this.timeoutMs)
  }
}

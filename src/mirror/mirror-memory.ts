/**
 * The mirror's memory budget, counted in bytes rather than requests: what an
 * exchange holds from the moment the scheduler takes it (queued or in flight)
 * until it settles into the compare stage — the request copy (target,
 * headers, body), the captured primary body and each mirrored side's capture
 * — plus a fixed overhead for the objects, the upstream request and the
 * socket state behind it.
 *
 * Captures are not known when an exchange is taken, so each side is first
 * reserved at an estimate: a decaying maximum of the captures seen (it rises
 * at once to a larger body and decays by 1/64 of the gap per answer), starting
 * at the capture cap, so a first burst of large bodies cannot overshoot. When
 * a side answers, its reservation is replaced by what it really captured.
 * The scheduler refuses an exchange whose reservation does not fit, and caps
 * the controller's limit at what the budget holds.
 */
import type { Side, SideResult } from '../types.js'

/** Bytes per exchange besides its bodies: objects, undici's request and connection state (measured: docs/scaling.md). */
export const EXCHANGE_OVERHEAD_BYTES = 8 * 1024

/** What MirrorMemory needs of an exchange. */
export interface HeldExchange {
  readonly request: { readonly url: string }
  readonly headers: readonly string[]
  readonly requestBody: Buffer | null
  readonly mirrorSides: readonly Side[]
  /** Bytes this exchange holds in the budget now (set by MirrorMemory). */
  heldBytes: number
  /** The per-side reservation made when it was taken. */
  reservedPerSide: number
}

export class MirrorMemory {
  readonly budgetBytes: number
  #captureBytes: number
  #held = 0
  #estimate: number
  #lastRequestBytes = 1024
  /** Captured sides of the last exchange taken (served side included). */
  #lastSides = 2

  constructor(budgetBytes: number, captureBytes: number) {
    this.budgetBytes = budgetBytes
    this.#captureBytes = captureBytes
    this.#estimate = captureBytes
  }

  /** Bytes held now by exchanges taken and not yet settled. */
  get heldBytes(): number {
    return this.#held
  }

  /** The expected size of one more exchange, like the last one taken. */
  perExchange(): number {
    return EXCHANGE_OVERHEAD_BYTES + this.#lastRequestBytes + this.#lastSides * this.#estimate
  }

  /** How many exchanges the whole budget holds at the current estimate. */
  capacity(): number {
    return Math.max(1, Math.floor(this.budgetBytes / this.perExchange()))
  }

  /** Whether one more typical exchange fits now. */
  hasRoom(): boolean {
    return this.#held + this.perExchange() <= this.budgetBytes
  }

  /** Reserves `exchange`; false (nothing reserved) when it does not fit. */
  reserve(exchange: HeldExchange): boolean {
    const request = requestBytes(exchange)
    // The served side is captured too (a receiver has none: one side too many, on the safe side).
    const sides = exchange.mirrorSides.length + 1
    this.#lastRequestBytes = request
    this.#lastSides = sides
    const bytes = EXCHANGE_OVERHEAD_BYTES + request + sides * this.#estimate
    if (this.#held + bytes > this.budgetBytes) return false
    exchange.heldBytes = bytes
    exchange.reservedPerSide = this.#estimate
    this.#held += bytes
    return true
  }

  /** A side answered: its real capture replaces its reservation. */
  settled(exchange: HeldExchange, result: SideResult): void {
    if (exchange.heldBytes === 0) return
    const actual = result.ok ? result.body.length : 0
    if (result.ok) this.#observe(actual)
    const delta = actual - exchange.reservedPerSide
    exchange.heldBytes += delta
    this.#held += delta
  }

  /** The exchange settled (or was dropped before it was sent): everything it held is free. */
  release(exchange: HeldExchange): void {
    this.#held -= exchange.heldBytes
    exchange.heldBytes = 0
  }

  #observe(bytes: number): void {
    const size = Math.min(bytes, this.#captureBytes)
    if (size >= this.#estimate) this.#estimate = size
    // Whole bytes: the budget's sum stays exact however long it runs.
    else this.#estimate -= Math.floor((this.#estimate - size) / 64)
  }
}

function requestBytes(exchange: HeldExchange): number {
  let n = exchange.request.url.length + (exchange.requestBody?.length ?? 0)
  for (let i = 0; i < exchange.headers.length; i++) n += exchange.headers[i].length + 4
  return n
}

/**
 * One mirrored request while its sides are still answering. It settles once
 * the primary and every mirrored side have a result; the comparison stage
 * then takes it. Nothing here is on the client's path: the primary's handler
 * only hands over its capture when the client's response is done.
 */
import type { Exchange, RequestInfo, Side, SideResult } from '../types.js'
import type { RuleMatch } from '../rules/types.js'
import type { HeaderList } from '../proxy/forward-headers.js'
import type { HeldExchange, MirrorMemory } from './mirror-memory.js'

export type ExchangeListener = (exchange: PendingExchange) => void

export class PendingExchange implements Exchange, HeldExchange {
  readonly id: string
  readonly at: number
  readonly request: RequestInfo
  readonly requestBody: Buffer | null
  readonly route: string
  readonly match: RuleMatch
  /** Headers to send to mirrored sides (forwarded headers plus the marker). */
  readonly headers: HeaderList
  primary!: SideResult
  candidate!: SideResult
  secondary?: SideResult
  /** The sides called in the background, first the one compared against. */
  readonly mirrorSides: readonly Side[]
  /** Set when the mirror was dropped: never compared. */
  abandoned = false
  /** The budget this exchange is counted in, from when the scheduler takes it until it settles (mirror-memory.ts). */
  memory: MirrorMemory | null = null
  heldBytes = 0
  reservedPerSide = 0
  #waiting: number
  #onSettled: ExchangeListener
  #onPrimary: (() => void)[] = []

  constructor(
    id: string,
    at: number,
    request: RequestInfo,
    requestBody: Buffer | null,
    match: RuleMatch,
    headers: HeaderList,
    mirrorSides: readonly Side[],
    onSettled: ExchangeListener,
  ) {
    this.id = id
    this.at = at
    this.request = request
    this.requestBody = requestBody
    this.match = match
    this.route = match.route
    this.headers = headers
    this.mirrorSides = mirrorSides
    // The served side settles from the client's response; each mirror from its own.
    this.#waiting = 1 + mirrorSides.length
    this.#onSettled = onSettled
  }

  settle(side: Side, result: SideResult): void {
    this.keep(side, result)
    this.memory?.settled(this, result)
    if (--this.#waiting === 0) this.finish()
  }

  /** Every side has a result: free what the budget counted and hand the exchange on. */
  protected finish(): void {
    this.memory?.release(this)
    this.#onSettled(this)
  }

  /**
   * The primary's body length once it has answered, for a mirrored side
   * that must not read more than it (capture-handler.ts): null while the
   * primary has not answered, -1 when it failed.
   */
  primarySize(): number | null {
    const p = this.primary as SideResult | undefined
    if (p === undefined) return null
    return p.ok ? p.size : -1
  }

  /** Calls `listener` once the primary has a result (at once if it has). */
  whenPrimarySettled(listener: () => void): void {
    if (this.primarySize() !== null) listener()
    else this.#onPrimary.push(listener)
  }

  /** Stores a side's result; subclasses that settle differently call it too. */
  protected keep(side: Side, result: SideResult): void {
    this[side] = result
    if (side !== 'primary' || this.#onPrimary.length === 0) return
    const listeners = this.#onPrimary
    this.#onPrimary = []
    for (const listener of listeners) listener()
  }
}

/**
 * An exchange that no side serves a client: a gateway copy (receiver mode)
 * or a replayed request. Every side is called in the background, so it
 * settles once ALL of them have answered (a PendingExchange also waits for
 * a served side, which these do not have).
 */
export class UnservedExchange extends PendingExchange {
  #left: number

  constructor(...args: ConstructorParameters<typeof PendingExchange>) {
    super(...args)
    this.#left = this.mirrorSides.length
  }

  override settle(side: Side, result: SideResult): void {
    this.keep(side, result)
    this.memory?.settled(this, result)
    if (--this.#left === 0) this.finish()
  }
}

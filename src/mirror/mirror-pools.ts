/**
 * How mirrored calls reach their upstreams: undici pools of their own, one
 * per side, so a slow side can never take the connections that serve
 * clients. Each call reads the answer into a bounded capture, never more
 * of a body than the comparison needs (capture-handler.ts), under one deadline shared by a single timer
 * (deadline-sweeper.ts), and reports exactly one SideResult, whatever
 * happens. The scheduler decides what is sent and bounds it.
 */
import { Pool, type Dispatcher } from 'undici'
import type { Side, SideResult } from '../types.js'
import { CaptureHandler, type CaptureLimits, type ReferenceBody } from './capture-handler.js'
import { DeadlineSweeper } from './deadline-sweeper.js'

/** One request to one mirrored side. */
export interface MirrorCall {
  side: Side
  method: string
  path: string
  /** Flat [name, value …] list (forward-headers.ts). */
  headers: string[]
  body: Buffer | null
  /** The exchange whose primary body bounds this side's (null for the primary itself). */
  reference: ReferenceBody | null
}

/** Where each side of a mirror goes and how long a call may take. */
export interface MirrorPoolOptions {
  primary: string
  candidate: string
  secondary: string | null
  /** Connections per side's pool (the scheduler never has more calls in flight). */
  connections: number
  timeoutMs: number
  captureBytes: number
  /** Response bytes read per call at most (capture-handler.ts). */
  maxResponseBytes: number
}

export class MirrorPools {
  #opts: MirrorPoolOptions
  #pools: Partial<Record<Side, Pool>> = {}
  #deadlines: DeadlineSweeper
  #limits: CaptureLimits

  constructor(opts: MirrorPoolOptions) {
    this.#opts = opts
    this.#limits = { captureBytes: opts.captureBytes, maxBytes: opts.maxResponseBytes }
    this.#deadlines = new DeadlineSweeper(opts.timeoutMs)
  }

  /** Sends `call`; `done` is called exactly once with its result. */
  send(call: MirrorCall, done: (result: SideResult) => void): void {
    const handler = new CaptureHandler(this.#limits, call.reference, this.#deadlines, done)
    const options: Dispatcher.DispatchOptions = {
      path: call.path,
      method: call.method as Dispatcher.HttpMethod,
      headers: call.headers,
      body: call.body,
      headersTimeout: this.#opts.timeoutMs,
      bodyTimeout: this.#opts.timeoutMs,
    }
    try {
      this.#pool(call.side).dispatch(options, handler)
    } catch (err) {
      handler.onResponseError(undefined as never, err as Error)
    }
  }

  /** Lets calls in flight finish, then releases connections. */
  async close(): Promise<void> {
    await Promise.all(Object.values(this.#pools).map((pool) => (pool.destroyed ? undefined : pool.close())))
  }

  /** Ends every call in flight now (each reports an error result). */
  async destroy(): Promise<void> {
    await Promise.all(Object.values(this.#pools).map((pool) => pool.destroy()))
  }

  #pool(side: Side): Pool {
    const origin = side === 'primary' ? this.#opts.primary : side === 'candidate' ? this.#opts.candidate : this.#opts.secondary
    if (origin === null) throw new Error(`no ${side} upstream configured`)
    return (this.#pools[side] ??= new Pool(origin, {
      connections: this.#opts.connections,
      pipelining: 1,
      headersTimeout: this.#opts.timeoutMs,
      bodyTimeout: this.#opts.timeoutMs,
      connect: { timeout: Math.min(this.#opts.timeoutMs, 10_000) },
      keepAliveTimeout: 4_000,
    }))
  }
}

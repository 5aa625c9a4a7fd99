/**
 * Mirrored calls on undici pools of their own, one per side, so a slow side
 * can never take the connections that serve clients. Each call reads the
 * whole answer into a bounded capture (capture-handler.ts) under one
 * deadline shared by a single timer (deadline-sweeper.ts).
 */
import { Pool, type Dispatcher } from 'undici'
import type { Side, SideResult } from '../types.js'
import { CaptureHandler } from './capture-handler.js'
import { DeadlineSweeper } from './deadline-sweeper.js'
import { originOf, type MirrorCall, type MirrorTransport, type TransportOptions } from './mirror-transport.js'

export class LocalTransport implements MirrorTransport {
  #opts: TransportOptions
  #pools: Partial<Record<Side, Pool>> = {}
  #deadlines: DeadlineSweeper

  constructor(opts: TransportOptions) {
    this.#opts = opts
    this.#deadlines = new DeadlineSweeper(opts.timeoutMs)
  }

  send(call: MirrorCall, done: (result: SideResult) => void): void {
    const handler = new CaptureHandler(this.#opts.captureBytes, this.#deadlines, done)
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

  async close(): Promise<void> {
    await Promise.all(Object.values(this.#pools).map((pool) => (pool.destroyed ? undefined : pool.close())))
  }

  async destroy(): Promise<void> {
    await Promise.all(Object.values(this.#pools).map((pool) => pool.destroy()))
  }

  #pool(side: Side): Pool {
    return (this.#pools[side] ??= new Pool(originOf(side, this.#opts), {
      connections: this.#opts.connections,
      pipelining: 1,
      headersTimeout: this.#opts.timeoutMs,
      bodyTimeout: this.#opts.timeoutMs,
      connect: { timeout: Math.min(this.#opts.timeoutMs, 10_000) },
      keepAliveTimeout: 4_000,
    }))
  }
}

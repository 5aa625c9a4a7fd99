/**
 * How a mirrored call reaches its upstream. The scheduler decides WHAT is
 * sent and bounds it; a transport only carries one call and reports one
 * SideResult, whatever happens. Two exist: undici pools on the proxy's own
 * event loop (local-transport.ts) and the same pools on a worker thread
 * (thread-transport.ts), which keeps the candidate's I/O off the loop that
 * serves clients.
 */
import type { Side, SideResult } from '../types.js'

/** One request to one mirrored side, in a form that can cross a thread. */
export interface MirrorCall {
  side: Side
  method: string
  path: string
  /** Flat [name, value …] list (forward-headers.ts). */
  headers: string[]
  body: Buffer | null
}

/** Where each side of a mirror goes and how long a call may take. */
export interface TransportOptions {
  primary: string
  candidate: string
  secondary: string | null
  /** Connections per side's pool (the scheduler never has more calls in flight). */
  connections: number
  timeoutMs: number
  captureBytes: number
}

export interface MirrorTransport {
  /** Sends `call`; `done` is called exactly once with its result. */
  send(call: MirrorCall, done: (result: SideResult) => void): void
  /** Lets calls in flight finish, then releases connections. */
  close(): Promise<void>
  /** Ends every call in flight now (each reports an error result). */
  destroy(): Promise<void>
}

/** The origin a side is sent to. */
export function originOf(side: Side, opts: TransportOptions): string {
  const origin = side === 'primary' ? opts.primary : side === 'candidate' ? opts.candidate : opts.secondary
  if (origin === null) throw new Error(`no ${side} upstream configured`)
  return origin
}

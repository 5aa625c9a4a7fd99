/**
 * Mirrored calls on a worker thread: the thread runs the same undici pools
 * as LocalTransport, so reading, parsing and capturing the candidate's (and
 * secondary's) answers happens off the event loop that serves clients. The
 * proxy's loop only posts each call and takes each result back, in batches
 * of one event-loop turn to pay the cost of crossing threads once per batch.
 *
 * A thread that dies fails every call it held (recorded as errors, never
 * lost) and later calls fail at once; clients are never affected.
 */
import { Worker } from 'node:worker_threads'
import type { SideResult } from '../types.js'
import type { MirrorCall, MirrorTransport, TransportOptions } from './mirror-transport.js'
import type { ControlMessage, ResultBatch } from './thread-protocol.js'

export class ThreadTransport implements MirrorTransport {
  #worker: Worker
  #pending = new Map<number, (result: SideResult) => void>()
  #nextId = 1
  // Calls of this turn, flat: id, side, method, path, headers, body, id, …
  #outbox: unknown[] = []
  #flushScheduled = false
  #exited: Promise<void>
  #dead: string | null = null
  #onControl: ((msg: ControlMessage) => void) | null = null

  constructor(opts: TransportOptions, onFailure: (err: Error) => void = () => {}) {
    this.#worker = new Worker(threadEntry(), { workerData: opts })
    // Like a socket, the thread alone must not keep a finished process alive.
    this.#worker.unref()
    this.#worker.on('message', (msg: ResultBatch | ControlMessage) => {
      if (Array.isArray(msg)) this.#onResults(msg)
      else this.#onControl?.(msg)
    })
    this.#worker.on('error', (err) => {
      onFailure(err)
      this.#failAll(`mirror thread failed: ${err.message}`)
    })
    this.#exited = new Promise((resolve) =>
      this.#worker.once('exit', (code) => {
        this.#failAll(`mirror thread exited with code ${code}`)
        resolve()
      }),
    )
  }

  send(call: MirrorCall, done: (result: SideResult) => void): void {
    if (this.#dead !== null) {
      done({ ok: false, code: 'ERROR', message: this.#dead, latencyMs: 0 })
      return
    }
    const id = this.#nextId++
    this.#pending.set(id, done)
    this.#outbox.push(id, call.side, call.method, call.path, call.headers, call.body)
    if (!this.#flushScheduled) {
      this.#flushScheduled = true
      setImmediate(this.#flush)
    }
  }

  close(): Promise<void> {
    return this.#control('close')
  }

  destroy(): Promise<void> {
    return this.#control('destroy')
  }

  /** Sends what is queued, asks the thread to close or destroy its pools, and waits for it to exit. */
  async #control(type: ControlMessage['type']): Promise<void> {
    if (this.#dead === null) {
      this.#flush()
      this.#worker.postMessage({ type } satisfies ControlMessage)
    }
    await this.#exited
  }

  #flush = (): void => {
    this.#flushScheduled = false
    if (this.#outbox.length === 0) return
    const batch = this.#outbox
    this.#outbox = []
    this.#worker.postMessage(batch)
  }

  #onResults(batch: ResultBatch): void {
    for (let i = 0; i < batch.length; i += 2) {
      const id = batch[i] as number
      const result = batch[i + 1] as SideResult
      // A Buffer crosses threads as a plain Uint8Array: view it as a Buffer again, without copying.
      if (result.ok) result.body = Buffer.from(result.body.buffer, result.body.byteOffset, result.body.byteLength)
      const done = this.#pending.get(id)
      this.#pending.delete(id)
      done?.(result)
    }
  }

  #failAll(message: string): void {
    this.#dead ??= message
    const pending = this.#pending
    this.#pending = new Map()
    for (const done of pending.values()) done({ ok: false, code: 'ERROR', message, latencyMs: 0 })
  }
}

/**
 * The thread's script. Tests run the TypeScript sources, which a worker
 * thread cannot load; they use the build that test/global-setup.ts makes.
 */
function threadEntry(): URL {
  const here = import.meta.url
  return here.endsWith('.ts') ? new URL('../../dist/mirror/mirror-thread.js', here) : new URL('./mirror-thread.js', here)
}

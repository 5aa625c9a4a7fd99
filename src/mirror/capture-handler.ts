/**
 * An undici dispatch handler that reads a mirrored side's response into a
 * bounded capture and reports one SideResult, whatever happens: answer,
 * refusal, reset, garbage, timeout or a body it will not read. It never
 * throws and never touches the client: mirrors run on their own pool with
 * their own deadline (Traefik gives mirrors a non-cancellable context and a
 * black-hole writer for the same reason: the client's fate and the mirror's
 * must not be tied).
 *
 * How much of a body is read (issue 18: an endless candidate body used to be
 * read and hashed until the deadline, on the event loop that serves clients):
 * - up to the capture cap (`diff.captureBytes`), always: kept for the diff;
 * - beyond it, only what an exact comparison needs: while the body is not
 *   longer than the primary's (the bodies are compared by SHA-256 and size,
 *   so a longer one differs whatever its bytes). Until the primary's length
 *   is known, the call is paused (no bytes read, no CPU spent);
 * - never more than `mirror.maxResponseBytes`.
 * Past that the call is aborted, which destroys its connection, and the side
 * answers with `cut` set: recorded as `error` `BODY_TOO_LARGE`. The CPU a
 * mirror spends on a body is therefore bounded by the primary's own body and
 * by the byte budget, never by what the candidate sends.
 */
import type { Dispatcher } from 'undici'
import type { HeaderMap, SideResult } from '../types.js'
import { BodyCapture } from '../proxy/body-capture.js'
import { classifyUpstreamError } from '../proxy/upstream-error.js'
import type { DeadlineSweeper, Expiring } from './deadline-sweeper.js'

class MirrorTimeout extends Error {
  code = 'SHD_MIRROR_TIMEOUT'
}

class MirrorBodyCut extends Error {
  code = 'SHD_MIRROR_BODY_CUT'
}

/** What a mirrored side's body may not outgrow: the primary's, once known (PendingExchange). */
export interface ReferenceBody {
  /** The primary's body length; null while it has not answered; -1 when it failed. */
  primarySize(): number | null
  whenPrimarySettled(listener: () => void): void
}

export interface CaptureLimits {
  /** Bytes kept for comparison (`diff.captureBytes`). */
  captureBytes: number
  /** Bytes read at most, whatever the primary sent (`mirror.maxResponseBytes`). */
  maxBytes: number
}

export class CaptureHandler implements Dispatcher.DispatchHandler, Expiring {
  deadline = Infinity
  #started: number
  #capture: BodyCapture
  #limits: CaptureLimits
  #reference: ReferenceBody | null
  #status = 0
  #headers: HeaderMap = {}
  #controller: Dispatcher.DispatchController | null = null
  #paused = false
  /** Bytes read but not pushed into the capture (only when cutting at the cap). */
  #extra = 0
  #deadlines: DeadlineSweeper
  #done: ((result: SideResult) => void) | null

  constructor(limits: CaptureLimits, reference: ReferenceBody | null, deadlines: DeadlineSweeper, done: (result: SideResult) => void) {
    this.#started = performance.now()
    this.#capture = new BodyCapture(limits.captureBytes)
    this.#limits = limits
    this.#reference = reference
    this.#deadlines = deadlines
    this.#done = done
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller
    // One deadline for the whole exchange; undici's own timeouts only bound
    // gaps. Set when added, so the sweeper's order is the deadlines' order.
    this.deadline = performance.now() + this.#deadlines.timeoutMs
    this.#deadlines.add(this)
  }

  /** The deadline passed (DeadlineSweeper): abort, which ends in onResponseError. */
  expire(): void {
    this.#controller?.abort(new MirrorTimeout(`no complete answer within ${this.#deadlines.timeoutMs} ms`))
  }

  onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: HeaderMap): void {
    this.#status = status
    this.#headers = headers
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#done === null) return
    const cap = this.#limits.captureBytes
    const size = this.#capture.size
    if (size <= cap && size + chunk.length > cap && this.#longerThanPrimary(size + chunk.length)) {
      // Crossing the cap with a body already longer than the primary's: keep
      // the capture's share and cut, without hashing what is known to differ.
      this.#capture.push(chunk.subarray(0, cap - size))
      this.#extra = size + chunk.length - cap
      return this.#checkLength(controller)
    }
    this.#capture.push(chunk)
    if (this.#capture.size > cap) this.#checkLength(controller)
  }

  onResponseEnd(): void {
    this.#finish(this.#capture.result(this.#status, this.#headers, this.#started))
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.#finish({ ok: false, code: classifyUpstreamError(err), message: err.message, latencyMs: performance.now() - this.#started })
  }

  #longerThanPrimary(read: number): boolean {
    const primary = this.#reference?.primarySize() ?? null
    return primary !== null && read > primary
  }

  /** Past the capture cap: go on only while the bytes could still equal the primary's. */
  #checkLength(controller: Dispatcher.DispatchController): void {
    const read = this.#capture.size + this.#extra
    if (read > this.#limits.maxBytes) return this.#cut(controller, `more than mirror.maxResponseBytes (${this.#limits.maxBytes} bytes)`)
    if (this.#reference === null) return
    const primary = this.#reference.primarySize()
    if (primary === -1) return this.#cut(controller, 'the primary failed, nothing to compare with')
    if (primary !== null) {
      if (read > primary) this.#cut(controller, `longer than the primary's ${primary} bytes`)
      return
    }
    if (this.#paused) return
    // The primary is still answering: read nothing more until its length is known.
    this.#paused = true
    controller.pause()
    this.#reference.whenPrimarySettled(() =>
      // Not from inside the primary's own parser callback: undici's HTTP/1
      // parser must not be resumed while another one is executing.
      setImmediate(() => {
        this.#paused = false
        if (this.#done === null) return
        this.#checkLength(controller)
        if (this.#done !== null && !this.#paused) controller.resume()
      }),
    )
  }

  #cut(controller: Dispatcher.DispatchController, why: string): void {
    const read = this.#capture.size + this.#extra
    const result = this.#capture.result(this.#status, this.#headers, this.#started)
    this.#finish(result.ok ? { ...result, size: read, complete: false, cut: `body cut after ${read} bytes: ${why}` } : result)
    // Aborting a call whose body is streaming destroys its connection: the
    // rest of the body is never read.
    controller.abort(new MirrorBodyCut(why))
  }

  #finish(result: SideResult): void {
    this.#deadlines.delete(this)
    const done = this.#done
    this.#done = null
    done?.(result)
  }
}

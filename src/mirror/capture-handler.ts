/**
 * An undici dispatch handler that reads a mirrored side's whole response into
 * a bounded capture and reports one SideResult, whatever happens: answer,
 * refusal, reset, garbage or timeout. It never throws and never touches the
 * client: mirrors run on their own pool with their own deadline (Traefik
 * gives mirrors a non-cancellable context and a black-hole writer for the
 * same reason: the client's fate and the mirror's must not be tied).
 */
import type { Dispatcher } from 'undici'
import type { HeaderMap, SideResult } from '../types.js'
import { BodyCapture } from '../proxy/body-capture.js'
import { classifyUpstreamError } from '../proxy/upstream-error.js'
import type { DeadlineSweeper, Expiring } from './deadline-sweeper.js'

class MirrorTimeout extends Error {
  code = 'SHD_MIRROR_TIMEOUT'
}

export class CaptureHandler implements Dispatcher.DispatchHandler, Expiring {
  deadline = Infinity
  #started: number
  #capture: BodyCapture
  #status = 0
  #headers: HeaderMap = {}
  #controller: Dispatcher.DispatchController | null = null
  #deadlines: DeadlineSweeper
  #done: ((result: SideResult) => void) | null

  constructor(captureBytes: number, deadlines: DeadlineSweeper, done: (result: SideResult) => void) {
    this.#started = performance.now()
    this.#capture = new BodyCapture(captureBytes)
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

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#capture.push(chunk)
  }

  onResponseEnd(): void {
    this.#finish(this.#capture.result(this.#status, this.#headers, this.#started))
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.#finish({ ok: false, code: classifyUpstreamError(err), message: err.message, latencyMs: performance.now() - this.#started })
  }

  #finish(result: SideResult): void {
    this.#deadlines.delete(this)
    const done = this.#done
    this.#done = null
    done?.(result)
  }
}

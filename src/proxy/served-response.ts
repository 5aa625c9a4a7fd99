/**
 * The undici dispatch handler for the side that serves the client. It streams
 * the upstream's status, headers and body to the client as they arrive (with
 * backpressure), and, when the request is mirrored, keeps a bounded copy for
 * the comparison. The copy is handed over only after the client's response
 * has ended, so comparison never delays the client.
 */
import type { ServerResponse } from 'node:http'
import type { Dispatcher } from 'undici'
import type { HeaderMap } from '../types.js'
import {
  CandidateBadResponse,
  CandidateTimeout,
  CandidateUnreachable,
  PrimaryBadResponse,
  PrimaryTimeout,
  PrimaryUnreachable,
  ShadowdiffError,
} from '../errors.js'
import type { PendingExchange } from '../mirror/pending-exchange.js'
import { BodyCapture } from './body-capture.js'
import { sendError } from './error-reply.js'
import { withoutHopByHop } from './hop-by-hop.js'
import { classifyUpstreamError, type UpstreamFailure } from './upstream-error.js'

class ClientGone extends Error {
  code = 'UND_ERR_ABORTED'
}

export type ServingSide = 'primary' | 'candidate'

/** Told whether a candidate-served request succeeded (no transport error, no 5xx): feeds automatic rollback. */
export type CandidateOutcome = (ok: boolean) => void

/** How the answer flows on its client connection (src/proxy/client-connection.ts). */
export interface ResponseFlow {
  /** The upstream request has finished, well or not: the next request on the connection may go. */
  onUpstreamDone(): void
  /**
   * The answer waits for the client to take bytes (the upstream is paused,
   * or the end of the answer is still in the socket's buffer), or no longer
   * does. Calls alternate, starting with true.
   */
  onBlocked(blocked: boolean): void
}

export class ServedResponse implements Dispatcher.DispatchHandler {
  #res: ServerResponse
  #side: ServingSide
  #exchange: PendingExchange | null
  #capture: BodyCapture | null
  #servedBy: string | null
  #started = performance.now()
  #controller: Dispatcher.DispatchController | null = null
  #status = 0
  #headers: HeaderMap = {}
  #ended = false
  #outcome: CandidateOutcome | null
  #flow: ResponseFlow | null
  #blocked = false
  /** Set by onClientClose: a queued answer is never destroyed by Node, so res.destroyed cannot say it. */
  #clientGone = false

  constructor(
    res: ServerResponse,
    side: ServingSide,
    exchange: PendingExchange | null,
    capture: { bytes: number; maxHashedBytes: number },
    servedBy: string | null,
    outcome: CandidateOutcome | null = null,
    flow: ResponseFlow | null = null,
  ) {
    this.#flow = flow
    this.#res = res
    this.#side = side
    this.#outcome = side === 'candidate' ? outcome : null
    this.#exchange = exchange
    this.#capture = exchange ? new BodyCapture(capture.bytes, capture.maxHashedBytes) : null
    this.#servedBy = servedBy
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller
    if (this.#clientGone || this.#res.destroyed) controller.abort(new ClientGone('client went away'))
  }

  onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: HeaderMap, statusMessage?: string): void {
    this.#status = status
    this.#headers = headers
    const out = withoutHopByHop(headers)
    if (this.#servedBy !== null) out[this.#servedBy] = this.#side
    this.#res.writeHead(status, statusMessage || undefined, out)
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#capture?.push(chunk)
    if (!this.#res.write(chunk)) {
      controller.pause()
      this.#res.once('drain', this.#resume)
      this.#setBlocked(true)
    }
  }

  onResponseEnd(): void {
    this.#ended = true
    this.#res.end()
    // The end may still sit in the socket's buffer: blocked on the client until it is flushed.
    if (!this.#res.writableFinished && !this.#res.destroyed) {
      this.#setBlocked(true)
      const flushed = () => this.#setBlocked(false)
      this.#res.once('finish', flushed)
      this.#res.once('close', flushed)
    } else this.#setBlocked(false)
    this.#flow?.onUpstreamDone()
    this.#outcome?.(this.#status < 500)
    if (this.#exchange === null || this.#capture === null) return
    this.#exchange.settle(this.#side, this.#capture.result(this.#status, this.#headers, this.#started))
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.#ended = true
    const failure = classifyUpstreamError(err)
    // A client that went away says nothing about the candidate's health.
    if (failure !== 'ABORTED') this.#outcome?.(false)
    if (!this.#res.destroyed) {
      // After headers went out the only honest signal left is a broken
      // connection: the client must not take a truncated body for a whole one.
      if (this.#res.headersSent) this.#res.destroy(err)
      // A streamed request body crossed proxy.maxRequestBytes: the client's fault, not the upstream's.
      else if (err instanceof ShadowdiffError && err.statusCode === 413) sendError(this.#res, err, { connection: 'close' })
      else sendError(this.#res, upstreamError(this.#side, failure, err), this.#servedBy ? { [this.#servedBy]: this.#side } : undefined)
    }
    this.#exchange?.settle(this.#side, { ok: false, code: failure, message: err.message, latencyMs: performance.now() - this.#started })
    this.#setBlocked(false)
    this.#flow?.onUpstreamDone()
  }

  #resume = (): void => {
    this.#setBlocked(false)
    this.#controller?.resume()
  }

  #setBlocked(blocked: boolean): void {
    if (this.#blocked === blocked) return
    this.#blocked = blocked
    this.#flow?.onBlocked(blocked)
  }

  /** Called by the server when the client's response closes (ended or cut): a cut one aborts the upstream request. */
  onClientClose(): void {
    this.#clientGone = true
    this.#setBlocked(false)
    if (!this.#ended && this.#controller !== null && !this.#controller.aborted) {
      this.#controller.abort(new ClientGone('client went away before the response ended'))
    }
  }
}

function upstreamError(side: ServingSide, failure: UpstreamFailure, err: Error): ShadowdiffError {
  const primary = side === 'primary'
  if (failure === 'TIMEOUT') return primary ? new PrimaryTimeout() : new CandidateTimeout()
  if (failure === 'BAD_RESPONSE') return primary ? new PrimaryBadResponse(err.message) : new CandidateBadResponse(err.message)
  return primary ? new PrimaryUnreachable(err.message) : new CandidateUnreachable(err.message)
}

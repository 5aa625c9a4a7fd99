/**
 * The capture's door on the client's path: `offer()` decides in a few
 * comparisons whether a request is captured (method, sample, body read
 * whole, room in the queue) and queues a reference to it. Turning it into
 * a redacted HAR line and writing it happen later, in batches, on the
 * writer's own turns of the event loop (capture-writer.ts).
 *
 * Bounds: at most MAX_QUEUE requests and MAX_QUEUE_BYTES of bodies wait;
 * beyond, the request is dropped and counted. A slow or full disk costs
 * capture lines, never a client's answer.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import type { Logger } from 'pino'
import type { Config } from '../config.js'
import { compileRedactor, type RedactOptions, type Redactor } from '../store/redact.js'
import { Sampler } from '../mirror/sampler.js'
import { hasBody, readRequestBody, type RequestBody } from '../proxy/request-body.js'
import { toCaptureRecord, type SeenRequest } from './capture-record.js'
import { CaptureWriter, type CaptureWriterStats } from './capture-writer.js'

const MAX_QUEUE = 1024
const MAX_QUEUE_BYTES = 16 * 1024 * 1024
/** Lines serialised per turn of the event loop: client I/O goes between batches. */
const BATCH = 256

export interface CaptureStats extends CaptureWriterStats {
  file: string
  /** Methods not in capture.methods. */
  notCaptured: number
  sampledOut: number
  /** Bodies above mirror.maxBodyBytes are streamed, never held whole: not captured. */
  bodyTooLarge: number
  /** The queue was full (the writer is behind). */
  dropped: number
  queued: number
}

export interface CaptureLimits {
  maxQueue?: number
  maxQueueBytes?: number
}

export class CaptureSink {
  #methods: Set<string>
  #sampler: Sampler
  #redactor: Redactor
  #writer: CaptureWriter
  #file: string
  #maxQueue: number
  #maxQueueBytes: number
  #queue: SeenRequest[] = []
  #queueBytes = 0
  #running: Promise<void> | null = null
  #counts = { notCaptured: 0, sampledOut: 0, bodyTooLarge: 0, dropped: 0 }

  /** Throws ConfigInvalid on a bad redaction setting (compiled once, like the recorder's). */
  constructor(opts: Config['capture'], redact: RedactOptions, logger: Logger, limits: CaptureLimits = {}) {
    if (opts.file === null) throw new Error('CaptureSink needs capture.file')
    this.#file = opts.file
    this.#methods = new Set(opts.methods)
    this.#sampler = new Sampler(opts.sample)
    this.#redactor = compileRedactor(redact)
    this.#writer = new CaptureWriter({ file: opts.file, maxBytes: opts.maxBytes, rotate: opts.rotate }, logger)
    this.#maxQueue = limits.maxQueue ?? MAX_QUEUE
    this.#maxQueueBytes = limits.maxQueueBytes ?? MAX_QUEUE_BYTES
  }

  /**
   * HOT PATH: queues the request for the capture file, or counts why not.
   * Never throws, never waits.
   *
   * @example
   *   capture?.offer(at, method, url, req, body)   // once the body has been read
   */
  offer(at: number, method: string, url: string, req: { headers: IncomingHttpHeaders; httpVersion: string }, body: RequestBody): void {
    if (body.kind === 'too-large' || body.kind === 'aborted') return
    if (!this.#methods.has(method)) {
      this.#counts.notCaptured++
      return
    }
    if (body.kind === 'streamed') {
      this.#counts.bodyTooLarge++
      return
    }
    if (!this.#sampler.take()) {
      this.#counts.sampledOut++
      return
    }
    if (this.#writer.stopped) {
      this.#writer.stats.overCap++
      return
    }
    const buffered = body.kind === 'buffered' ? body.body : null
    const size = buffered?.length ?? 0
    if (this.#queue.length >= this.#maxQueue || this.#queueBytes + size > this.#maxQueueBytes) {
      this.#counts.dropped++
      return
    }
    const proto = req.headers['x-forwarded-proto']
    this.#queue.push({ at, method, url, headers: req.headers, httpVersion: req.httpVersion, body: buffered, scheme: proto === 'https' ? 'https' : 'http' })
    this.#queueBytes += size
    this.#running ??= this.#run()
  }

  /**
   * For a request whose body nobody else reads (a receiver's unmirrored
   * copy): reads it, bounded like a mirror's, offers it, and discards the rest.
   */
  offerUnread(at: number, method: string, url: string, req: IncomingMessage, mirrorCap: number, maxBytes: number): void {
    if (!hasBody(req) || !this.#methods.has(method)) {
      this.offer(at, method, url, req, { kind: 'none' })
      req.resume()
      return
    }
    readRequestBody(req, mirrorCap, maxBytes, (body) => {
      this.offer(at, method, url, req, body)
      if (body.kind === 'streamed') body.stream.on('error', () => {}).resume()
      else req.resume()
    })
  }

  /** Resolves once everything queued so far is written (or counted as lost). */
  async flush(): Promise<void> {
    while (this.#running !== null) await this.#running
  }

  async close(): Promise<void> {
    await this.flush()
    await this.#writer.close()
  }

  stats(): CaptureStats {
    return { file: this.#file, ...this.#counts, queued: this.#queue.length, ...this.#writer.stats }
  }

  async #run(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        // A later turn: the request that queued this one finishes first.
        await new Promise<void>((resolve) => setImmediate(resolve))
        const batch = this.#queue.splice(0, BATCH)
        const lines: Buffer[] = []
        for (const seen of batch) {
          this.#queueBytes -= seen.body?.length ?? 0
          try {
            lines.push(Buffer.from(JSON.stringify(toCaptureRecord(seen, this.#redactor)) + '\n'))
          } catch {
            this.#writer.stats.failed++
          }
        }
        await this.#writer.write(lines)
      }
    } finally {
      this.#running = null
    }
  }
}

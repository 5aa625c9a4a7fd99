/**
 * One client connection's requests, in the order they arrived. Node parses
 * pipelined requests as fast as they come and writes their answers in order;
 * this decides when each may go upstream:
 *
 * - At most `maxInFlight` upstream requests per connection at once; the rest
 *   wait here, on their own connection, never in the pool's shared queue. A
 *   client that pipelines 130 requests and reads nothing holds `maxInFlight`
 *   primary connections, not all of them: its later answers could not be
 *   written before the earlier ones anyway.
 * - A request with an unsafe method waits until every earlier request on the
 *   connection has completed upstream, and every later one waits for it
 *   (RFC 9112 §9.3.2: only safe methods may be processed in parallel).
 * - When the connection closes, every request still waiting or running is
 *   released at once, and a running one aborts its upstream request. Node
 *   emits no 'close' on the answers queued behind the one being written, so
 *   without this they held their primary connections until the primary gave up.
 *
 * - A client that takes no bytes for `writeTimeoutMs` while an answer waits
 *   for it is cut (nginx's `send_timeout`): undici does not time out a body
 *   it was asked to pause, so nothing else would free those connections.
 *   Progress is what the kernel accepted (`bytesWritten - writableLength`),
 *   checked every `writeTimeoutMs`: a client that reads slowly but steadily
 *   is never cut; one that stops is cut after one to two periods.
 * - At most `READ_LIMIT` requests are held per connection: beyond, the socket
 *   is not read until some are answered, so a flood of pipelined requests
 *   costs memory in proportion to that bound, not to the flood.
 *
 * It also holds a parse error's 400 until the answers of the complete
 * requests before it have been written (`afterAnswers`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'

export interface ConnectionOptions {
  /** proxy.maxInFlightPerClient */
  maxInFlight: number
  /** proxy.writeTimeoutMs */
  writeTimeoutMs: number
  /** Told when a client is cut for not reading (counted and logged by the caller). */
  onWriteTimeout(socket: Socket): void
}

/** Requests held per connection before the proxy stops reading from it. */
export const READ_LIMIT = 64

/** RFC 9110 §9.2.1. Anything else may change state on the primary. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])

const CONNECTION = Symbol('shadowdiff.clientConnection')
type Tracked = Duplex & { [CONNECTION]?: ClientConnection }

/** One request's place on its connection. */
export class Turn {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly unsafe: boolean
  #connection: ClientConnection
  #start: (() => void) | null = null
  #release: () => void
  /** reading: body not read yet; ready: may start; running: upstream request out; done: upstream finished. */
  state: 'reading' | 'ready' | 'running' | 'done' = 'reading'
  released = false

  constructor(connection: ClientConnection, req: IncomingMessage, res: ServerResponse, release: () => void) {
    this.#connection = connection
    this.req = req
    this.res = res
    this.unsafe = !SAFE_METHODS.has(req.method ?? 'GET')
    this.#release = release
  }

  /** The request is ready to go upstream: `start` is called as soon as its turn comes (maybe now). */
  ready(start: () => void): void {
    if (this.state !== 'reading' || this.released) return
    this.#start = start
    this.state = 'ready'
    this.#connection.pump()
  }

  /** Its upstream request has finished (or none was needed): the next ones may go. */
  done(): void {
    if (this.state === 'done') return
    this.state = 'done'
    this.#connection.pump()
  }

  /** @internal */
  run(): void {
    this.state = 'running'
    const start = this.#start
    this.#start = null
    start?.()
  }

  /** Its answer closed, or the connection did: called once, whatever came first. */
  release(): void {
    if (this.released) return
    this.released = true
    this.#start = null
    this.#release()
    this.#connection.forget(this)
  }
}

export class ClientConnection {
  #socket: Socket
  #options: ConnectionOptions
  /** Turns not yet released (their answer not closed), in arrival order. */
  #turns: Turn[] = []
  #closed = false
  #pumping = false
  #again = false
  #waiting: ((cut: Turn | undefined) => void) | null = null
  #readPaused = false
  /** Answers waiting for the client to take bytes. */
  #blocked = 0
  #watchdog: NodeJS.Timeout | null = null
  #flushedAtArm = 0

  constructor(socket: Duplex, options: ConnectionOptions) {
    this.#socket = socket as Socket
    this.#options = options
    socket.once('close', () => this.close())
  }

  /** The connection state of `socket`, created on its first request. */
  static of(socket: Duplex, options: ConnectionOptions): ClientConnection {
    const tracked = socket as Tracked
    return (tracked[CONNECTION] ??= new ClientConnection(socket, options))
  }

  get closed(): boolean {
    return this.#closed
  }

  /**
   * Registers a request as it arrives. `release` is called once, when its
   * answer closes or the connection does (for a running request, it must
   * abort the upstream request).
   */
  add(req: IncomingMessage, res: ServerResponse, release: () => void): Turn {
    const turn = new Turn(this, req, res, release)
    this.#turns.push(turn)
    res.once('close', () => turn.release())
    if (this.#closed) turn.release()
    else if (this.#turns.length >= READ_LIMIT && !this.#readPaused) {
      this.#readPaused = true
      this.#socket.pause()
    }
    return turn
  }

  /** An answer on this connection started (true) or stopped (false) waiting for the client to read. */
  blocked(blocked: boolean): void {
    this.#blocked += blocked ? 1 : -1
    if (this.#blocked > 0 && this.#watchdog === null && !this.#closed) this.#armWatchdog()
  }

  /**
   * Calls `then` once every request before now whose request was complete
   * has had its answer written (closed). `cut` is the request whose body was
   * still arriving, if any: a parse error in it belongs to it.
   */
  afterAnswers(then: (cut: Turn | undefined) => void): void {
    if (this.#waiting !== null) return
    this.#waiting = then
    this.#checkWaiting()
  }

  /** Releases every request still on the connection. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    if (this.#watchdog !== null) clearTimeout(this.#watchdog)
    this.#watchdog = null
    for (const turn of this.#turns.slice()) turn.release()
  }

  /** @internal Starts every turn whose time has come. */
  pump(): void {
    if (this.#pumping) {
      this.#again = true
      return
    }
    this.#pumping = true
    try {
      do {
        this.#again = false
        this.#pumpOnce()
      } while (this.#again)
    } finally {
      this.#pumping = false
    }
  }

  /** @internal */
  forget(turn: Turn): void {
    const i = this.#turns.indexOf(turn)
    if (i !== -1) this.#turns.splice(i, 1)
    if (this.#waiting !== null) this.#checkWaiting()
    if (this.#closed) return
    if (this.#readPaused && this.#turns.length <= READ_LIMIT / 2) {
      this.#readPaused = false
      this.#socket.resume()
    }
    this.pump()
  }

  #pumpOnce(): void {
    if (this.#closed) return
    let running = 0
    let earlierPending = false
    for (const turn of this.#turns) {
      if (turn.state === 'done') continue
      if (turn.state === 'running') {
        running++
        // Nothing after an unsafe request starts before it has completed.
        if (turn.unsafe) return
        earlierPending = true
        continue
      }
      if (running >= this.#options.maxInFlight) return
      if (turn.unsafe) {
        if (!earlierPending && turn.state === 'ready') turn.run()
        return
      }
      if (turn.state === 'ready') {
        turn.run()
        running++
      }
      earlierPending = true
    }
  }

  #checkWaiting(): void {
    let cut: Turn | undefined
    for (const turn of this.#turns) {
      if (turn.req.complete) return
      cut = turn
    }
    const then = this.#waiting
    this.#waiting = null
    then?.(cut)
  }

  /** Bytes the kernel has taken from this socket so far. */
  #flushed(): number {
    return this.#socket.bytesWritten - this.#socket.writableLength
  }

  #armWatchdog(): void {
    this.#flushedAtArm = this.#flushed()
    this.#watchdog = setTimeout(this.#checkProgress, this.#options.writeTimeoutMs)
  }

  #checkProgress = (): void => {
    this.#watchdog = null
    if (this.#closed || this.#blocked <= 0) return
    // Bytes waiting in the socket and none taken for a whole period: the client has stopped reading.
    // (An empty socket means the answer in front waits for its upstream, not for the client.)
    if (this.#flushed() === this.#flushedAtArm && this.#socket.writableLength > 0) {
      this.#options.onWriteTimeout(this.#socket)
      this.#socket.destroy()
      return
    }
    this.#armWatchdog()
  }
}

/**
 * The client-facing server. For each request: read the body once, ask the
 * router who serves, stream the served side's answer back, and hand a copy of
 * the request to the mirror scheduler. Nothing on this path waits for a
 * mirrored side, the comparison or the database.
 *
 * This is a plain node:http server rather than a fastify route: the data path
 * needs no routing, validation or serialization, and owning the socket lets
 * us stream bytes through unchanged with backpressure (fastify serves the
 * admin API; see src/admin).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import { randomUUID } from 'node:crypto'
import type { Duplex } from 'node:stream'
import type { Dispatcher, Pool } from 'undici'
import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { RuleSet } from '../rules/types.js'
import type { PipelineStats, SkipReason } from '../stats.js'
import { RequestTooLarge, BadRequest, RequestTimeout, HeadersTooLarge, type ShadowdiffError } from '../errors.js'
import { PendingExchange, type ExchangeListener } from '../mirror/pending-exchange.js'
import type { MirrorScheduler } from '../mirror/mirror-scheduler.js'
import { Sampler } from '../mirror/sampler.js'
import { forwardHeaders, mirrorHeaders, REQUEST_ID } from './forward-headers.js'
import { hasBody, readRequestBody, type RequestBody } from './request-body.js'
import { ServedResponse, type CandidateOutcome, type ServingSide } from './served-response.js'
import { rawErrorResponse, sendError } from './error-reply.js'
import { ClientConnection, type ConnectionOptions } from './client-connection.js'
import { compileTrustedProxies } from './trusted-proxies.js'
import { requestInfo } from './request-info.js'
import { requestTarget } from './request-target.js'
import type { TrafficRouter } from './traffic-router.js'
import { proxyUpgrade, UpgradeTunnels } from './upgrade.js'
import type { CaptureSink } from '../capture/capture-sink.js'

export interface ProxyDeps {
  config: Config
  stats: PipelineStats
  /** The current rule set; replaced on reload, read once per request. */
  rules: () => RuleSet
  router: () => TrafficRouter
  scheduler: MirrorScheduler
  onSettled: ExchangeListener
  pools: Record<ServingSide, Pool>
  logger: Logger
  /** Hides secret path segments from rules and routes (store.redactPath; request-info.ts). */
  foldPath?: (path: string) => string
  /** Feeds the rollback monitor with the outcome of candidate-served requests. */
  onCandidateOutcome?: CandidateOutcome
  /** The capture file (capture.file): takes a reference to each request, never waits (src/capture). */
  capture?: CaptureSink
}

/** The route counted for requests whose target has no path. */
const UNROUTABLE = '(unroutable)'

/** The Upgrade to ask the primary for, or why the request is refused (null: forward it without, RFC 9110 §7.8). */
function upgradeOf(req: IncomingMessage): { ok: true; upgrade: string | null } | { ok: false; problem: string } {
  // Node hands the bytes after an upgrade request's head over unparsed: a body there is not framed by anyone.
  if (hasBody(req)) return { ok: false, problem: 'an Upgrade request must not carry a body (Content-Length or Transfer-Encoding)' }
  if (req.httpVersionMajor === 1 && req.httpVersionMinor === 0) return { ok: true, upgrade: null }
  return { ok: true, upgrade: String(req.headers.upgrade ?? '') }
}

export function createProxyServer(deps: ProxyDeps): http.Server {
  const { config, stats, scheduler, pools, logger } = deps
  const mirrorMethods = new Set(config.mirror.methods)
  const sampler = new Sampler(config.mirror.sample)
  const servedBy = config.split.servedByHeader
  const timeoutMs = config.proxy.timeoutMs
  const servedCapture = { bytes: config.diff.captureBytes, maxHashedBytes: config.mirror.maxResponseBytes }
  const maxHeaderFields = config.proxy.maxHeaderCount
  const trust = compileTrustedProxies(config.proxy.trustedProxies)
  const connectionOptions: ConnectionOptions = {
    maxInFlight: config.proxy.maxInFlightPerClient,
    writeTimeoutMs: config.proxy.writeTimeoutMs,
    onWriteTimeout(socket) {
      stats.writeTimeouts++
      logger.info({ client: socket.remoteAddress, writeTimeoutMs: config.proxy.writeTimeoutMs }, 'client took no response bytes within proxy.writeTimeoutMs: connection cut')
    },
  }

  /** 431 when the request has more header fields than proxy.maxHeaderCount (Node keeps them all: maxHeadersCount 0). */
  function tooManyHeaders(req: IncomingMessage): ShadowdiffError | null {
    const fields = req.rawHeaders.length / 2
    if (fields <= maxHeaderFields) return null
    return new HeadersTooLarge(`${fields} header fields, more than proxy.maxHeaderCount (${maxHeaderFields})`)
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const at = Date.now()
    const method = req.method ?? 'GET'
    const connection = ClientConnection.of(req.socket, connectionOptions)
    let url = req.url ?? '/'
    if (url.charCodeAt(0) !== 0x2f /* '/' */) {
      const target = requestTarget(url)
      if (!target.ok) {
        refuse(connection, req, res, at, method, UNROUTABLE, new BadRequest(target.message))
        return
      }
      url = target.url
      // RFC 9112 §3.2.2: the host in an absolute-form target replaces Host.
      if (target.host !== null) req.headers.host = target.host
    }
    const request = requestInfo(method, url, req.headers, deps.foldPath)
    const match = deps.rules().match(request)
    const route = match.route
    const excess = tooManyHeaders(req)
    if (excess !== null) {
      refuse(connection, req, res, at, method, route, excess)
      return
    }

    const decision = deps.router().decide(req)
    let mirrored = decision.mirror.length > 0
    if (!mirrored) {
      // Every served request has exactly one outcome: this one is not mirrored, and says why.
      stats.onNotMirrored(at, method, route, decision.notMirrored ?? 'split-no-shadow')
    } else if (!mirrorMethods.has(method)) {
      mirrored = false
      stats.onNotMirrored(at, method, route, 'method')
    } else if (mirrored && !sampler.take()) {
      mirrored = false
      stats.onSkipped(at, method, route, 'sampledOut')
    } else if (mirrored && !scheduler.sample(route)) {
      // Shed as a uniform sample, before anything is built or queued.
      mirrored = false
      stats.onSkipped(at, method, route, 'adaptive')
    }
    // Every request lands in one outcome: an unmirrored one has it already.
    let counted = !mirrored
    const skip = (reason: SkipReason): void => {
      if (counted) return
      counted = true
      stats.onSkipped(at, method, route, reason)
    }

    let handler: ServedResponse | null = null
    // Released once: when its answer closes, or when the connection does (queued answers get no 'close').
    const turn = connection.add(req, res, () => {
      if (handler !== null) handler.onClientClose()
      // Never forwarded: the client left before its turn came.
      else skip('rejected')
      stats.onServed(at, method, route)
    })

    const given = req.headers[REQUEST_ID]
    const id = typeof given === 'string' && given.length > 0 && given.length <= 200 ? given : randomUUID()
    const headers = forwardHeaders(req, id, trust)

    const dispatch = (body: RequestBody): void => {
      let exchange: PendingExchange | null = null
      if (mirrored && body.kind === 'streamed') {
        skip('bodyTooLarge')
      } else if (mirrored && !scheduler.hasRoom()) {
        // Decided before anything is built for the mirror: under a stalled
        // candidate most requests end here, and they must cost next to nothing.
        counted = true
        stats.onDropped({ at, request, route }, 'queueFull')
      } else if (mirrored) {
        counted = true
        const replay = body.kind === 'buffered' ? body.body : null
        exchange = new PendingExchange(id, at, request, replay, match, mirrorHeaders(headers, 'shadow'), decision.mirror, deps.onSettled)
      }
      const side = decision.serve
      handler = new ServedResponse(res, side, exchange, servedCapture, servedBy, deps.onCandidateOutcome, {
        onUpstreamDone: () => turn.done(),
        onBlocked: (blocked) => connection.blocked(blocked),
      })
      const options: Dispatcher.DispatchOptions = {
        path: url,
        method: method as Dispatcher.HttpMethod,
        headers,
        body: body.kind === 'buffered' ? body.body : body.kind === 'streamed' ? body.stream : null,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      }
      try {
        pools[side].dispatch(options, handler)
      } catch (err) {
        handler.onResponseError(undefined as never, err as Error)
      }
      // After the served side is on its way: the mirror never goes first.
      if (exchange !== null) scheduler.submit(exchange)
    }

    const proceed = (body: RequestBody): void => {
      if (turn.released) {
        // The client left while its body was read.
        if (body.kind === 'streamed') body.stream.destroy()
        return
      }
      deps.capture?.offer(at, method, url, req, body)
      if (body.kind === 'too-large') {
        skip('rejected')
        turn.done()
        res.setHeader('connection', 'close')
        sendError(res, new RequestTooLarge(config.proxy.maxRequestBytes))
        return
      }
      if (body.kind === 'aborted') {
        skip('rejected')
        turn.done()
        return
      }
      // Its turn may not have come yet: an earlier unsafe request, or this client's share of the pool in use.
      turn.ready(() => dispatch(body))
    }

    if (!hasBody(req)) proceed({ kind: 'none' })
    else readRequestBody(req, config.mirror.maxBodyBytes, config.proxy.maxRequestBytes, proceed)
  }

  /** Answered by the proxy itself, never forwarded: served and skipped (rejected) once, like any refused request. */
  function refuse(connection: ClientConnection, req: IncomingMessage, res: ServerResponse, at: number, method: string, route: string, error: ShadowdiffError): void {
    connection.add(req, res, () => stats.onServed(at, method, route)).done()
    stats.onSkipped(at, method, route, 'rejected')
    // An unread request body would be taken for the next request; too many headers is no client to keep.
    if (hasBody(req) || error.statusCode === 431) res.setHeader('connection', 'close')
    sendError(res, error)
  }

  const server = http.createServer(
    {
      headersTimeout: config.proxy.headersTimeoutMs,
      // Node only enforces headersTimeout when it sweeps connections (every 30 s
      // by default): sweep often enough that a slowloris is cut near the timeout.
      connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.ceil(config.proxy.headersTimeoutMs / 4))),
      requestTimeout: 0,
      keepAliveTimeout: 5_000,
      // Node's parser already answers 400 to CL+TE, bad chunking and bad
      // Content-Length (RFC 9112 §6.3), and 431 to oversized headers.
    },
    handle,
  )
  // Node keeps only maxHeadersCount header fields (2000 by default) and drops
  // the rest without a word, while its parser still frames the body by them:
  // a Content-Length past the cap was read but unseen. Keep every field (the
  // 16 KiB header size limit still bounds them) and refuse above
  // proxy.maxHeaderCount instead.
  server.maxHeadersCount = 0

  const tunnels = new UpgradeTunnels()
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const at = Date.now()
    const method = req.method ?? 'GET'
    const route = deps.rules().match(requestInfo(method, req.url ?? '/', req.headers, deps.foldPath)).route
    // Served, and skipped as an upgrade or as rejected, so the accounting closes for upgrades too.
    stats.onServed(at, method, route)
    const upgrade = upgradeOf(req)
    const refusal = tooManyHeaders(req) ?? (upgrade.ok ? null : new BadRequest(upgrade.problem))
    stats.onSkipped(at, method, route, refusal === null ? 'upgrade' : 'rejected')
    // Answers to requests pipelined before this one go first; nothing after it is read as HTTP.
    ClientConnection.of(socket, connectionOptions).afterAnswers(() => {
      if (!socket.writable) {
        socket.destroy()
        return
      }
      if (refusal !== null || !upgrade.ok) {
        // Refused by the proxy (never forwarded), so the bytes behind it are never read: close.
        if (refusal !== null) socket.end(rawErrorResponse(refusal))
        return
      }
      proxyUpgrade(req, socket, head, {
        origin: config.primary,
        headers: forwardHeaders(req, randomUUID(), trust),
        upgrade: upgrade.upgrade,
        timeoutMs,
        writeTimeoutMs: config.proxy.writeTimeoutMs,
        tunnels,
        logger,
        onAnswer: (status) => status === 101 || stats.upgradesRefused++,
      })
    })
  })
  // A graceful stop ends with closeAllConnections(): let it cut open tunnels too.
  const closeAll = server.closeAllConnections.bind(server)
  server.closeAllConnections = () => {
    closeAll()
    tunnels.destroyAll()
  }
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy()
      return
    }
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW'
    const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
    const detail = err.code ?? err.message
    const error = tooLarge
      ? new HeadersTooLarge(`${detail}: the request's headers exceed the server's limit`)
      : timeout
        ? new RequestTimeout(`${detail}: the request's headers did not arrive within ${config.proxy.headersTimeoutMs} ms`)
        : new BadRequest(detail)
    // The answers to the complete requests before the bad one go first, whole
    // and in order; then the error, then close. (Node emits this event again
    // for every later chunk: afterAnswers keeps the first.)
    const connection = ClientConnection.of(socket, connectionOptions)
    connection.afterAnswers((cut) => {
      // `cut`: the bad bytes were in this request's body. It is counted already;
      // if its own answer has begun, only a broken connection is honest.
      if (!socket.writable || cut?.res.headersSent) {
        socket.destroy()
        return
      }
      socket.end(rawErrorResponse(error))
      // Nothing may be written behind the error: release (and abort) whatever is left.
      connection.close()
      if (cut !== undefined) return
      stats.served++
      stats.skipped++
      stats.skippedBy.rejected++
    })
  })
  return server
}

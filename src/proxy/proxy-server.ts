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
import type { PipelineStats } from '../stats.js'
import { RequestTooLarge, BadRequest, RequestTimeout, HeadersTooLarge } from '../errors.js'
import { PendingExchange, type ExchangeListener } from '../mirror/pending-exchange.js'
import type { MirrorScheduler } from '../mirror/mirror-scheduler.js'
import { Sampler } from '../mirror/sampler.js'
import { forwardHeaders, mirrorHeaders, REQUEST_ID } from './forward-headers.js'
import { hasBody, readRequestBody, type RequestBody } from './request-body.js'
import { ServedResponse, type CandidateOutcome, type ServingSide } from './served-response.js'
import { sendError } from './error-reply.js'
import { requestInfo } from './request-info.js'
import { requestTarget } from './request-target.js'
import type { TrafficRouter } from './traffic-router.js'
import { proxyUpgrade, UpgradeTunnels } from './upgrade.js'

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
}

/**
 * The response in progress on a socket: a parse error in its request body
 * reaches 'clientError' too, and that request is already counted. A symbol
 * on the socket rather than a WeakMap: one property write per request, no
 * ephemeron table for the garbage collector to walk.
 */
const IN_PROGRESS = Symbol('shadowdiff.inProgress')
/** The route counted for requests whose target has no path. */
const UNROUTABLE = '(unroutable)'
type ProxiedSocket = Duplex & { [IN_PROGRESS]?: ServerResponse }

/** Marks `res` as its socket's response in progress until it closes, then calls `onClose`. */
function trackResponse(req: IncomingMessage, res: ServerResponse, onClose: () => void): void {
  const socket = req.socket as ProxiedSocket
  socket[IN_PROGRESS] = res
  res.once('close', () => {
    if (socket[IN_PROGRESS] === res) socket[IN_PROGRESS] = undefined
    onClose()
  })
}

export function createProxyServer(deps: ProxyDeps): http.Server {
  const { config, stats, scheduler, pools } = deps
  const mirrorMethods = new Set(config.mirror.methods)
  const sampler = new Sampler(config.mirror.sample)
  const servedBy = config.split.servedByHeader
  const timeoutMs = config.proxy.timeoutMs

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const at = Date.now()
    const method = req.method ?? 'GET'
    let url = req.url ?? '/'
    if (url.charCodeAt(0) !== 0x2f /* '/' */) {
      const target = requestTarget(url)
      if (!target.ok) {
        refuseTarget(req, res, at, method, target.message)
        return
      }
      url = target.url
      // RFC 9112 §3.2.2: the host in an absolute-form target replaces Host.
      if (target.host !== null) req.headers.host = target.host
    }
    const request = requestInfo(method, url, req.headers, deps.foldPath)
    const match = deps.rules().match(request)
    const route = match.route
    let handler: ServedResponse | null = null
    // One listener per request does all the bookkeeping of its end.
    trackResponse(req, res, () => {
      handler?.onClientClose()
      stats.onServed(at, method, route)
    })

    const decision = deps.router().decide(req)
    let mirrored = decision.mirror.length > 0
    if (mirrored && !mirrorMethods.has(method)) {
      mirrored = false
      stats.onNotMirrored(at, method, route)
    } else if (mirrored && !sampler.take()) {
      mirrored = false
      stats.onSkipped(at, method, route, 'sampledOut')
    } else if (mirrored && !scheduler.sample(route)) {
      // Shed as a uniform sample, before anything is built or queued.
      mirrored = false
      stats.onSkipped(at, method, route, 'adaptive')
    }

    const given = req.headers[REQUEST_ID]
    const id = typeof given === 'string' && given.length > 0 && given.length <= 200 ? given : randomUUID()
    const headers = forwardHeaders(req, id)

    const proceed = (body: RequestBody): void => {
      // An unmirrored request already has its one outcome (notMirrored or sampledOut).
      if (body.kind === 'too-large') {
        if (mirrored) stats.onSkipped(at, method, route, 'rejected')
        res.setHeader('connection', 'close')
        sendError(res, new RequestTooLarge(config.proxy.maxRequestBytes))
        return
      }
      if (body.kind === 'aborted') {
        if (mirrored) stats.onSkipped(at, method, route, 'rejected')
        return
      }
      let exchange: PendingExchange | null = null
      if (mirrored && body.kind === 'streamed') {
        stats.onSkipped(at, method, route, 'bodyTooLarge')
      } else if (mirrored && !scheduler.hasRoom()) {
        // Decided before anything is built for the mirror: under a stalled
        // candidate most requests end here, and they must cost next to nothing.
        stats.onDropped({ at, request, route }, 'queueFull')
      } else if (mirrored) {
        const replay = body.kind === 'buffered' ? body.body : null
        exchange = new PendingExchange(id, at, request, replay, match, mirrorHeaders(headers, 'shadow'), decision.mirror, deps.onSettled)
      }
      const side = decision.serve
      handler = new ServedResponse(res, side, exchange, config.diff.captureBytes, servedBy, deps.onCandidateOutcome)
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

    if (!hasBody(req)) proceed({ kind: 'none' })
    else readRequestBody(req, config.mirror.maxBodyBytes, config.proxy.maxRequestBytes, proceed)
  }

  /** A target with no upstream path: 400, served and skipped once, like any refused request. */
  function refuseTarget(req: IncomingMessage, res: ServerResponse, at: number, method: string, message: string): void {
    // Tracked like any request: a parse error in its unread body must not count it again in 'clientError'.
    trackResponse(req, res, () => stats.onServed(at, method, UNROUTABLE))
    stats.onSkipped(at, method, UNROUTABLE, 'rejected')
    // An unread request body would be taken for the next request.
    if (hasBody(req)) res.setHeader('connection', 'close')
    sendError(res, new BadRequest(message))
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
  const tunnels = new UpgradeTunnels()
  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    const route = deps.rules().match(requestInfo(req.method ?? 'GET', req.url ?? '/', req.headers, deps.foldPath)).route
    // Served (tunnelled) and skipped, so the accounting closes for upgrades too.
    stats.onServed(Date.now(), req.method ?? 'GET', route)
    stats.onSkipped(Date.now(), req.method ?? 'GET', route, 'upgrade')
    proxyUpgrade(req, socket, head, config.primary, forwardHeaders(req, randomUUID()), deps.logger, tunnels)
  })
  // A graceful stop ends with closeAllConnections(): let it cut open tunnels too.
  const closeAll = server.closeAllConnections.bind(server)
  server.closeAllConnections = () => {
    closeAll()
    tunnels.destroyAll()
  }
  server.on('clientError', (err: NodeJS.ErrnoException, socket: ProxiedSocket) => {
    const inProgress = socket[IN_PROGRESS]
    if (!socket.writable || inProgress?.headersSent) {
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
    const reason = tooLarge ? 'Request Header Fields Too Large' : timeout ? 'Request Timeout' : 'Bad Request'
    const body = JSON.stringify({ error: { code: error.code, message: error.message } })
    socket.end(
      `HTTP/1.1 ${error.statusCode} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    )
    if (inProgress !== undefined) return
    stats.served++
    stats.skipped++
    stats.skippedBy.rejected++
  })
  return server
}

/**
 * Receiver mode (`shadowdiff compare`): the server that sits behind a
 * gateway's mirror instead of in front of the clients. The gateway (nginx
 * `mirror`, Envoy/Istio, APISIX, Traefik) serves its clients from the primary
 * and sends shadowdiff a copy of each request; shadowdiff answers the copy
 * with 204 AT ONCE, before calling anything, then calls the primary (a
 * replica, or the primary itself for read-only traffic) and the candidate in
 * the background, compares and records exactly as `serve` does: same rules,
 * same scheduler bounds and drop counters, same store and admin API.
 *
 * Answering first matters: nginx does not reuse a client's keep-alive
 * connection (nor finish its access log line) until the mirror subrequest
 * has finished, so a receiver that waited for a slow candidate would slow
 * the gateway's real clients down. Nothing here waits for an upstream.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import type { RequestInfo, Side, SideResult } from '../types.js'
import type { RuleMatch } from '../rules/types.js'
import { BadRequest, HeadersTooLarge, RequestTooLarge } from '../errors.js'
import { UnservedExchange, type ExchangeListener } from '../mirror/pending-exchange.js'
import { Sampler } from '../mirror/sampler.js'
import { forwardHeaders, mirrorHeaders, type HeaderList } from './forward-headers.js'
import { hasBody, readRequestBody, type RequestBody } from './request-body.js'
import { sendError } from './error-reply.js'
import { requestInfo } from './request-info.js'
import { restoreGatewayCopy } from './gateway-copy.js'
import { compileTrustedProxies } from './trusted-proxies.js'
import type { ProxyDeps } from './proxy-server.js'

/** What the receiver needs from the app: the proxy's dependencies minus the serving pools and router. */
export type ReceiverDeps = Pick<ProxyDeps, 'config' | 'stats' | 'rules' | 'scheduler' | 'onSettled' | 'logger' | 'foldPath' | 'capture'>

/**
 * Builds the receiver's node:http server (it does not listen).
 *
 * @example
 *   const server = createReceiverServer({ config, stats, rules: () => ruleSet, scheduler, onSettled: compare.accept, logger })
 *   server.listen(8080, '127.0.0.1')
 */
export function createReceiverServer(deps: ReceiverDeps): http.Server {
  const { config, stats, scheduler } = deps
  const mirrorMethods = new Set(config.mirror.methods)
  const sampler = new Sampler(config.mirror.sample)
  const trust = compileTrustedProxies(config.proxy.trustedProxies)
  const sides: readonly Side[] = Object.freeze(config.secondary === null ? ['primary', 'candidate'] : ['primary', 'candidate', 'secondary'])

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const at = Date.now()
    const method = req.method ?? 'GET'
    const fields = req.rawHeaders.length / 2
    if (fields > config.proxy.maxHeaderCount) {
      res.once('close', () => stats.onServed(at, method, '(unroutable)'))
      stats.onSkipped(at, method, '(unroutable)', 'rejected')
      sendError(res, new HeadersTooLarge(`${fields} header fields, more than proxy.maxHeaderCount (${config.proxy.maxHeaderCount})`), { connection: 'close' })
      return
    }
    const copy = restoreGatewayCopy(req)
    const url = copy.ok ? copy.url : (req.url ?? '/')
    const request = requestInfo(method, url, req.headers, deps.foldPath)
    const match = deps.rules().match(request)
    const route = match.route
    res.once('close', () => stats.onServed(at, method, route))
    if (!copy.ok) {
      stats.onSkipped(at, method, route, 'rejected')
      res.setHeader('connection', 'close')
      sendError(res, new BadRequest(copy.problem))
      return
    }

    let mirrored = true
    if (!mirrorMethods.has(method)) {
      // Replaying an unsafe method would repeat its side effects on the primary.
      mirrored = false
      stats.onNotMirrored(at, method, route, 'method')
    } else if (!sampler.take()) {
      mirrored = false
      stats.onSkipped(at, method, route, 'sampledOut')
    } else if (!scheduler.sample(route)) {
      mirrored = false
      stats.onSkipped(at, method, route, 'adaptive')
    }
    if (!mirrored) {
      if (deps.capture === undefined) req.resume()
      else deps.capture.offerUnread(at, method, url, req, config.mirror.maxBodyBytes, config.proxy.maxRequestBytes)
      answer(res, copy.id)
      return
    }

    const proceed = (body: RequestBody): void => {
      deps.capture?.offer(at, method, url, req, body)
      if (body.kind === 'too-large') {
        stats.onSkipped(at, method, route, 'rejected')
        res.setHeader('connection', 'close')
        sendError(res, new RequestTooLarge(config.proxy.maxRequestBytes))
        return
      }
      if (body.kind === 'aborted') {
        stats.onSkipped(at, method, route, 'rejected')
        return
      }
      if (body.kind === 'streamed') {
        // Above the mirror body cap: accepted, read to the end, not compared.
        stats.onSkipped(at, method, route, 'bodyTooLarge')
        body.stream.on('error', () => res.destroy())
        body.stream.resume()
        answer(res, copy.id)
        return
      }
      answer(res, copy.id)
      const headers = mirrorHeaders(forwardHeaders(req, copy.id, trust), 'shadow')
      const replay = body.kind === 'buffered' ? body.body : null
      scheduler.submit(new UnservedExchange(copy.id, at, request, replay, match, headers, sides, deps.onSettled))
    }
    if (!hasBody(req)) proceed({ kind: 'none' })
    else readRequestBody(req, config.mirror.maxBodyBytes, config.proxy.maxRequestBytes, proceed)
  }

  const server = http.createServer({ headersTimeout: config.proxy.headersTimeoutMs, requestTimeout: 0, keepAliveTimeout: 5_000 }, handle)
  // Keep every header field (Node drops those past maxHeadersCount without a word) and refuse above proxy.maxHeaderCount instead.
  server.maxHeadersCount = 0
  // Gateways do not mirror upgrades; refuse one plainly rather than hang.
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    const at = Date.now()
    const route = deps.rules().match(requestInfo(req.method ?? 'GET', req.url ?? '/', req.headers, deps.foldPath)).route
    stats.onServed(at, req.method ?? 'GET', route)
    stats.onSkipped(at, req.method ?? 'GET', route, 'upgrade')
    socket.end('HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n')
  })
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) {
      socket.destroy()
      return
    }
    // Node's parser refused the request (bad framing, oversized headers, slow headers).
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request'
    socket.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`)
    stats.served++
    stats.skipped++
    stats.skippedBy.rejected++
  })
  return server
}

/** The gateway's answer: 204, carrying the exchange id for its logs. */
function answer(res: ServerResponse, id: string): void {
  res.writeHead(204, { 'x-request-id': id })
  res.end()
}

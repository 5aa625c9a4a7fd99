/**
 * Upgrade requests (WebSocket and friends) go to the primary only and are
 * never mirrored: a second live socket to the candidate would duplicate side
 * effects and there is no single response to compare.
 *
 * The client's connection becomes a tunnel only once the primary has
 * answered `101 Switching Protocols` with `Connection: upgrade` and
 * `Upgrade` (RFC 9110 §15.2.2, §7.8); node:http's client tells the two apart
 * (an 'upgrade' event, or a 'response'). Any other answer is relayed as a
 * normal HTTP/1.1 response (status, end-to-end headers, body, with our own
 * framing) and the client's connection is closed after it: the bytes the
 * client sent behind its request were never parsed by the proxy, so they are
 * neither forwarded nor read as a next request. Until the 101, nothing but
 * the request's own head is sent upstream.
 *
 * Upgrade requests with a body are refused before this (proxy-server.ts).
 */
import http, { STATUS_CODES, type IncomingMessage } from 'node:http'
import https from 'node:https'
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'
import { PrimaryBadResponse, PrimaryTimeout, PrimaryUnreachable, type ShadowdiffError } from '../errors.js'
import { rawErrorResponse } from './error-reply.js'
import type { HeaderList } from './forward-headers.js'
import { HOP_BY_HOP, connectionTokens } from './hop-by-hop.js'
import { classifyUpstreamError } from './upstream-error.js'

/**
 * Open tunnels. Upgraded sockets leave Node's HTTP connection list, so
 * `server.closeAllConnections()` does not reach them: without this set a
 * graceful stop would wait on an open WebSocket forever.
 */
export class UpgradeTunnels {
  #open = new Set<Duplex>()

  add(client: Duplex): void {
    this.#open.add(client)
    client.once('close', () => this.#open.delete(client))
  }

  /** Cuts every open tunnel (both sides: the upstream closes with the client). */
  destroyAll(): void {
    for (const client of this.#open) client.destroy()
  }
}

export interface UpgradeOptions {
  /** The primary's origin. */
  origin: string
  /** The forwarded headers (src/proxy/forward-headers.ts), hop-by-hop ones already removed. */
  headers: HeaderList
  /** The protocols asked for (the client's Upgrade), or null to send the request without it (HTTP/1.0, RFC 9110 §7.8). */
  upgrade: string | null
  /** How long the primary may take to answer, and be silent in the middle of a relayed body. */
  timeoutMs: number
  /** How long a client may take no bytes of a relayed answer. */
  writeTimeoutMs: number
  /** Where the client's socket is registered, so a graceful stop can cut it. */
  tunnels: UpgradeTunnels
  logger: Logger
  /** Told the primary's status once it answered (101: tunnelled; anything else: relayed, then closed). */
  onAnswer(status: number): void
}

export function proxyUpgrade(req: IncomingMessage, client: Duplex, head: Buffer, opts: UpgradeOptions): void {
  // Out of Node's connection list from now on, handshake and relayed answers included: a stop must reach it.
  opts.tunnels.add(client)
  const target = new URL(opts.origin)
  const secure = target.protocol === 'https:'
  const headers = opts.headers.slice()
  // The handshake needs Connection and Upgrade, which the hop-by-hop filter removed.
  if (opts.upgrade !== null) headers.push('connection', 'upgrade', 'upgrade', opts.upgrade)
  else headers.push('connection', 'close')
  const upstream = (secure ? https : http).request({
    hostname: target.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(target.port || (secure ? 443 : 80)),
    method: req.method,
    path: req.url,
    headers,
    agent: false,
    timeout: opts.timeoutMs,
  })
  let answered = false

  let failed = false
  const fail = (err: Error): void => {
    if (failed) return
    failed = true
    opts.logger.warn({ err: err.message, url: req.url }, 'upgrade request to the primary failed')
    if (!answered && client.writable) {
      answered = true
      client.end(rawErrorResponse(upstreamError(err)))
    } else client.destroy()
    upstream.destroy()
  }
  upstream.on('error', fail)
  upstream.once('timeout', () => upstream.destroy(Object.assign(new Error(`no answer within ${opts.timeoutMs} ms`), { code: 'ETIMEDOUT' })))
  client.once('error', () => upstream.destroy())
  client.once('close', () => upstream.destroy())

  upstream.once('upgrade', (res: IncomingMessage, socket: Duplex & { setTimeout(ms: number): void }, upstreamHead: Buffer) => {
    if (opts.upgrade === null) {
      socket.destroy()
      fail(new PrimaryBadResponse('101 Switching Protocols to a request that asked for no upgrade'))
      return
    }
    answered = true
    opts.onAnswer(101)
    // A tunnel may be idle for as long as its peers like: no proxy timeout on either side.
    socket.setTimeout(0)
    ;(client as Duplex & { setTimeout?(ms: number): void }).setTimeout?.(0)
    client.write(statusLine(res) + rawHeaderLines(res.rawHeaders) + '\r\n')
    if (upstreamHead.length > 0) client.write(upstreamHead)
    // The client's early bytes (sent behind its request) belong to the new protocol: only now may they go.
    if (head.length > 0) socket.write(head)
    socket.on('error', () => client.destroy())
    socket.once('close', () => client.destroy())
    client.once('close', () => socket.destroy())
    socket.pipe(client)
    client.pipe(socket)
  })

  upstream.once('response', (res: IncomingMessage) => {
    if (res.statusCode === 101) {
      // 101 without Connection: upgrade and Upgrade: no protocol to switch to.
      res.destroy()
      fail(new PrimaryBadResponse('101 Switching Protocols without Upgrade and Connection: upgrade'))
      return
    }
    answered = true
    opts.onAnswer(res.statusCode ?? 0)
    opts.logger.info({ url: req.url, status: res.statusCode }, 'upgrade refused by the primary: answer relayed, connection closed')
    relay(req, res, client, opts.writeTimeoutMs)
  })
  upstream.end()
}

/**
 * Writes a non-101 answer to the raw client socket: the status, the
 * end-to-end headers, and the body framed by its Content-Length when it had
 * one, else chunked; then closes the connection.
 */
function relay(req: IncomingMessage, res: IncomingMessage, client: Duplex, writeTimeoutMs: number): void {
  const status = res.statusCode ?? 502
  const named = res.headers.connection ? connectionTokens(res.headers.connection) : null
  let lines = statusLine(res)
  const raw = res.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase()
    if (HOP_BY_HOP.has(name) || name === 'content-length' || (named !== null && named.has(name))) continue
    lines += `${raw[i]}: ${raw[i + 1]}\r\n`
  }
  const length = res.headers['content-length']
  const bodiless = status === 204 || status === 304 || status < 200
  const delimited = length === undefined || res.headers['transfer-encoding'] !== undefined
  // HTTP/1.0 clients cannot read chunked framing: their body ends with the connection.
  const chunked = !bodiless && req.method !== 'HEAD' && delimited && req.httpVersion !== '1.0'
  if (chunked) lines += 'transfer-encoding: chunked\r\n'
  else if (!bodiless && !delimited) lines += `content-length: ${length}\r\n`
  client.write(lines + 'connection: close\r\n\r\n')
  // A client that takes nothing for writeTimeoutMs is cut (socket idle timeout: no read, no write).
  const socket = client as Duplex & { setTimeout?(ms: number, cb?: () => void): void }
  socket.setTimeout?.(writeTimeoutMs, () => client.destroy())
  res.on('data', (chunk: Buffer) => {
    if (chunked) client.write(`${chunk.length.toString(16)}\r\n`)
    let ok = client.write(chunk)
    if (chunked) ok = client.write('\r\n')
    if (!ok) {
      res.pause()
      client.once('drain', () => res.resume())
    }
  })
  res.once('end', () => client.end(chunked ? '0\r\n\r\n' : undefined))
  // A body cut short by the primary: the client must not take it for a whole one.
  res.once('close', () => res.complete || client.destroy())
  res.on('error', () => client.destroy())
}

function statusLine(res: IncomingMessage): string {
  const status = res.statusCode ?? 502
  return `HTTP/1.1 ${status} ${res.statusMessage || STATUS_CODES[status] || ''}\r\n`
}

function rawHeaderLines(raw: string[]): string {
  let out = ''
  for (let i = 0; i < raw.length; i += 2) out += `${raw[i]}: ${raw[i + 1]}\r\n`
  return out
}

function upstreamError(err: Error): ShadowdiffError {
  if (err instanceof PrimaryBadResponse) return err
  const failure = classifyUpstreamError(err)
  if (failure === 'TIMEOUT') return new PrimaryTimeout()
  if (failure === 'BAD_RESPONSE') return new PrimaryBadResponse(err.message)
  return new PrimaryUnreachable(err.message)
}

/**
 * Upgrade requests (WebSocket and friends) are tunnelled to the primary
 * unchanged and never mirrored: a second live socket to the candidate would
 * duplicate side effects and there is no single response to compare.
 */
import net from 'node:net'
import tls from 'node:tls'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'
import type { HeaderList } from './forward-headers.js'

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

  /** Cuts every open tunnel (both sockets: the upstream closes with the client). */
  destroyAll(): void {
    for (const client of this.#open) client.destroy()
  }
}

export function proxyUpgrade(
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
  origin: string,
  headers: HeaderList,
  logger: Logger,
  tunnels?: UpgradeTunnels,
): void {
  tunnels?.add(client)
  const target = new URL(origin)
  const secure = target.protocol === 'https:'
  const port = Number(target.port || (secure ? 443 : 80))
  const upstream = secure
    ? tls.connect({ host: target.hostname, port, servername: target.hostname })
    : net.connect({ host: target.hostname, port })
  // The upgrade handshake needs Connection and Upgrade, which the generic
  // hop-by-hop filter removed.
  const lines = [`${req.method} ${req.url} HTTP/1.1`]
  for (let i = 0; i < headers.length; i += 2) lines.push(`${headers[i]}: ${headers[i + 1]}`)
  lines.push(`connection: upgrade`, `upgrade: ${req.headers.upgrade ?? ''}`)
  const fail = (err: Error) => {
    logger.warn({ err: err.message, url: req.url }, 'upgrade tunnel to primary failed')
    if (client.writable && !upstream.readyState.startsWith('open')) {
      client.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
    } else client.destroy()
    upstream.destroy()
  }
  upstream.once('error', fail)
  client.once('error', () => upstream.destroy())
  upstream.once(secure ? 'secureConnect' : 'connect', () => {
    upstream.write(lines.join('\r\n') + '\r\n\r\n')
    if (head.length > 0) upstream.write(head)
    upstream.pipe(client)
    client.pipe(upstream)
  })
  client.once('close', () => upstream.destroy())
  upstream.once('close', () => client.destroy())
}

/**
 * Real loopback servers for tests: every test that needs an upstream starts
 * one on port 0 and it is closed when the test finishes.
 */
import http from 'node:http'
import net from 'node:net'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { onTestFinished } from 'vitest'

/** Starts an HTTP server on 127.0.0.1:0 and returns its base URL. */
export async function startUpstream(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler)
  server.keepAliveTimeout = 5_000
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  onTestFinished(() => closeServer(server))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** Starts a raw TCP server for malformed-HTTP and reset cases. */
export async function startRawUpstream(onSocket: (socket: net.Socket) => void): Promise<string> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    onSocket(socket)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  // Raw sockets are held open on purpose by some tests: destroy them, then close.
  onTestFinished(() => {
    for (const s of sockets) s.destroy()
    return closeServer(server)
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** A port that nothing listens on (bound, then released). */
export async function closedPortUrl(): Promise<string> {
  const server = net.createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  await new Promise<void>((r) => server.close(() => r()))
  return `http://127.0.0.1:${port}`
}

export function closeServer(server: net.Server): Promise<void> {
  return new Promise<void>((resolve) => {
    if ('closeAllConnections' in server) (server as http.Server).closeAllConnections()
    server.close(() => resolve())
  })
}

/** A JSON responder: `json(res, 200, {...})`. */
export function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers })
  res.end(text)
}

/** What a recording upstream saw: the exact bytes of every connection, and the requests it parsed. */
export interface RecordingUpstream {
  url: string
  /** Raw bytes received, one string (latin1) per connection, in connection order. */
  connections: string[]
  /** Every request parsed, in arrival order, with its whole body. */
  requests: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[]
  /** Connections open right now (the proxy's sockets to this upstream). */
  open(): number
  /** Requests received whose response has not finished or closed yet. */
  inFlight(): number
  /** Everything received on every connection, concatenated. */
  bytes(): string
}

/**
 * An HTTP upstream behind a TCP front that records the exact bytes the proxy
 * sent on each connection. A front is needed because Node's HTTP server
 * reads its sockets natively: a 'data' listener on them never fires.
 * `handler` gets the request after its body was read (`req.body`).
 */
export async function startRecordingUpstream(
  handler: (req: http.IncomingMessage & { body: string }, res: http.ServerResponse) => void,
): Promise<RecordingUpstream> {
  const recorded: RecordingUpstream = {
    url: '',
    connections: [],
    requests: [],
    open: () => open.size,
    inFlight: () => inFlight,
    bytes: () => recorded.connections.join(''),
  }
  let inFlight = 0
  const inner = http.createServer((req, res) => {
    inFlight++
    let settled = false
    const settle = () => {
      if (!settled) (settled = true), inFlight--
    }
    res.once('finish', settle)
    res.once('close', settle)
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('latin1')
      recorded.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
      handler(Object.assign(req, { body }), res)
    })
  })
  inner.keepAliveTimeout = 5_000
  inner.listen(0, '127.0.0.1')
  await once(inner, 'listening')
  const innerPort = (inner.address() as AddressInfo).port
  const open = new Set<net.Socket>()
  const front = net.createServer((socket) => {
    const index = recorded.connections.push('') - 1
    open.add(socket)
    const back = net.connect(innerPort, '127.0.0.1')
    socket.on('data', (c: Buffer) => (recorded.connections[index] += c.toString('latin1')))
    socket.pipe(back)
    back.pipe(socket)
    const close = () => {
      open.delete(socket)
      socket.destroy()
      back.destroy()
    }
    socket.on('close', close)
    back.on('close', close)
    socket.on('error', () => {})
    back.on('error', () => {})
  })
  front.listen(0, '127.0.0.1')
  await once(front, 'listening')
  onTestFinished(async () => {
    for (const s of open) s.destroy()
    await closeServer(front)
    await closeServer(inner)
  })
  recorded.url = `http://127.0.0.1:${(front.address() as AddressInfo).port}`
  return recorded
}

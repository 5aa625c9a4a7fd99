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

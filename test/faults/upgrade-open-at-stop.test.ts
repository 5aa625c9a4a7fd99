import { describe, expect, it, onTestFinished } from 'vitest'
import http from 'node:http'
import net from 'node:net'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { closeServer } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { ledger, useLedger } from './fault-kit.js'

useLedger(import.meta.filename)

describe('graceful stop with a WebSocket tunnel still open', () => {
  it('closes the tunnel once the grace period is over, so the process can exit', async () => {
    ledger.fault()
    const upstreamSockets = new Set<net.Socket>()
    const primary = http.createServer((_req, res) => res.end('plain'))
    primary.on('upgrade', (_req, socket: net.Socket) => {
      upstreamSockets.add(socket)
      socket.on('close', () => upstreamSockets.delete(socket))
      socket.on('error', () => {})
      // http.Server sockets are half-open: end our side when the peer ends its.
      socket.on('end', () => socket.end())
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n')
      socket.on('data', (c) => socket.write(c))
    })
    primary.listen(0, '127.0.0.1')
    await once(primary, 'listening')
    onTestFinished(() => closeServer(primary))
    const { proxyUrl, app } = await startProxy({ primary: `http://127.0.0.1:${(primary.address() as AddressInfo).port}`, candidate: 'http://127.0.0.1:9' })

    ledger.sent()
    const client = net.connect(Number(new URL(proxyUrl).port), '127.0.0.1')
    client.on('error', () => {})
    await once(client, 'connect')
    client.write('GET /live HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n')
    await once(client, 'data')
    expect(upstreamSockets.size).toBe(1)

    const started = performance.now()
    const clientClosed = once(client, 'close')
    await app.close({ graceMs: 300 })
    await clientClosed
    // The tunnel got its grace period, then was cut on both sides.
    expect(performance.now() - started).toBeGreaterThanOrEqual(250)
    expect(performance.now() - started).toBeLessThan(5_000)
    await new Promise<void>((resolve) => (upstreamSockets.size === 0 ? resolve() : [...upstreamSockets][0].once('close', () => resolve())))
    expect(upstreamSockets.size).toBe(0)
  })
})

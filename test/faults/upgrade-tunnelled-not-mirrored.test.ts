import { describe, expect, it, onTestFinished } from 'vitest'
import http from 'node:http'
import net from 'node:net'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { closeServer, closedPortUrl, startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { expectAccountingCloses, ledger, useLedger } from './fault-kit.js'

useLedger(import.meta.filename)

/** A WebSocket-ish upstream: answers 101 to an Upgrade request, then echoes every byte upper-cased. */
async function startUpgradeEcho() {
  const seen: http.IncomingHttpHeaders[] = []
  let plainRequests = 0
  const server = http.createServer((_req, res) => {
    plainRequests++
    res.end('plain')
  })
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    seen.push(req.headers)
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n')
    if (head.length > 0) socket.write(head.toString().toUpperCase())
    socket.on('data', (c: Buffer) => socket.write(c.toString().toUpperCase()))
    socket.on('error', () => {})
    // http.Server sockets are half-open: end our side when the peer ends its.
    socket.on('end', () => socket.end())
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  onTestFinished(() => closeServer(server))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, plain: () => plainRequests }
}

/** Reads from `socket` until `predicate(text)` holds. */
function readUntil(socket: net.Socket, predicate: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    const onData = (c: Buffer) => {
      text += c.toString()
      if (predicate(text)) {
        socket.off('data', onData)
        resolve(text)
      }
    }
    socket.on('data', onData)
    socket.once('error', reject)
    socket.once('close', () => reject(new Error(`closed after ${JSON.stringify(text)}`)))
  })
}

describe('Upgrade (WebSocket) requests', () => {
  it('are tunnelled to the primary byte for byte and never mirrored', async () => {
    ledger.fault()
    const primary = await startUpgradeEcho()
    const candidate = await startUpgradeEcho()
    const other = await startUpstream((_req, res) => res.end('unused'))
    const { proxyUrl, app } = await startProxy({ primary: primary.url, candidate: candidate.url, secondary: other })
    ledger.sent()
    const socket = net.connect(Number(new URL(proxyUrl).port), '127.0.0.1')
    onTestFinished(() => void socket.destroy())
    await once(socket, 'connect')
    // Bytes of the new protocol in the same write as the request: held by the proxy until the 101, then sent.
    socket.write('GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\nSec-WebSocket-Key: abc\r\n\r\nearly')
    const handshake = await readUntil(socket, (t) => t.includes('\r\n\r\nEARLY'))
    expect(handshake).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/)
    expect(handshake.endsWith('\r\n\r\nEARLY')).toBe(true)
    // Several round trips, including bytes that look like HTTP: they must pass untouched.
    for (const message of ['hello', 'GET /not-a-request HTTP/1.1\r\n\r\n', 'x'.repeat(64 * 1024)]) {
      socket.write(message)
      const echoed = await readUntil(socket, (t) => t.length >= message.length)
      expect(echoed).toBe(message.toUpperCase())
    }
    socket.end()
    await once(socket, 'close')
    expect(primary.seen).toHaveLength(1)
    expect(primary.seen[0].upgrade).toBe('echo')
    expect(primary.seen[0]['sec-websocket-key']).toBe('abc')
    expect(candidate.seen).toHaveLength(0)
    expect(candidate.plain()).toBe(0)
    await app.drain()
    expect(app.stats.mirrored).toBe(0)
    expect(app.stats.skippedBy.upgrade).toBe(1)
    expect(app.stats.upgradesRefused).toBe(0)
    expectAccountingCloses(app)
  })

  it('answer 502 when the primary refuses the tunnel, and keep the accounting closed', async () => {
    ledger.fault()
    const candidate = await startUpgradeEcho()
    const { proxyUrl, app } = await startProxy({ primary: await closedPortUrl(), candidate: candidate.url })
    ledger.sent()
    const socket = net.connect(Number(new URL(proxyUrl).port), '127.0.0.1')
    onTestFinished(() => void socket.destroy())
    await once(socket, 'connect')
    socket.write('GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n')
    const answer = await readUntil(socket, (t) => t.includes('}}'))
    expect(answer).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\n/)
    expect(answer).toContain('"code":"SHD_PRIMARY_UNREACHABLE"')
    expect(candidate.seen).toHaveLength(0)
    expectAccountingCloses(app)
  })
})

#!/usr/bin/env node
/**
 * Benchmark upstreams, one mode per process so that the proxy under test is
 * the only thing on its own event loop:
 *
 *   node bench/upstreams.js <mode> [--port 0] [--workers 1] [--delay 50] [--per-request 1]
 *
 * Modes:
 *   same        200 with the 0.5 KB JSON body (the primary, and the identical candidate)
 *   differ      200 with the same body, one field changed (every comparison diverges)
 *   slow        like `same`, answered after --delay ms (default 50)
 *   stalled     accepts TCP connections and reads requests but never answers
 *   knee        like `same`, answered after --delay (20 by default here) + --per-request (1) ms
 *               per request it holds, itself included: latency grows with concurrency
 *   slow-route  like `same`, immediately, except paths under /orders/slow/, which
 *               answer like `knee` (counting only the requests it holds on that route)
 *
 * knee and slow-route answer `GET /__bench/stats` with what they did since
 * the last call (the call resets it): requests, mean and p50 latency given,
 * the mean latency really taken (this process's timers run late on a busy
 * machine), mean and max requests held, and the unloaded latency (delay + per-request).
 *
 * With --workers N > 1 the server runs as a node:cluster of N processes sharing
 * the port. When every worker listens the process prints one JSON line
 * `{"ready":true,"port":P,"pid":PID}` to stdout, which bench/lib/proc.js waits for.
 */
import cluster from 'node:cluster'
import http from 'node:http'
import net from 'node:net'
import { parseArgs } from 'node:util'
import { PAYLOAD, PAYLOAD_DIFFERENT } from './lib/payload.js'

const MODES = ['same', 'differ', 'slow', 'stalled', 'knee', 'slow-route']

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: 'string', default: '0' },
    workers: { type: 'string', default: '1' },
    delay: { type: 'string' },
    'per-request': { type: 'string', default: '1' }
  }
})
const mode = positionals[0]
const port = Number(values.port)
const workers = Number(values.workers)
const delay = Number(values.delay ?? (mode === 'knee' || mode === 'slow-route' ? '20' : '50'))
const perRequest = Number(values['per-request'])
if (!MODES.includes(mode)) fail(`mode must be one of ${MODES.join(', ')}, got '${mode}'`)
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be 0–65535, got '${values.port}'`)
if (!Number.isInteger(workers) || workers < 1) fail(`--workers must be a positive integer, got '${values.workers}'`)
if (!Number.isFinite(delay) || delay < 0) fail(`--delay must be a non-negative number of ms, got '${values.delay}'`)
if (!Number.isFinite(perRequest) || perRequest < 0) fail(`--per-request must be a non-negative number of ms, got '${values['per-request']}'`)

if (workers > 1 && cluster.isPrimary) {
  let listening = 0
  for (let i = 0; i < workers; i++) cluster.fork()
  cluster.on('listening', (_worker, address) => {
    if (++listening === workers) ready(address.port)
  })
  cluster.on('exit', (_worker, code) => { if (code) fail(`a ${mode} worker exited with code ${code}`) })
} else {
  const server = createServer(mode)
  server.listen(port, '127.0.0.1', () => {
    if (workers === 1) ready(server.address().port)
  })
}

function createServer (mode) {
  if (mode === 'stalled') {
    // Read and discard everything so the peer's writes never block, and never
    // write a byte back: the proxy's candidate call can only end by its own timeout.
    return net.createServer((socket) => { socket.on('error', () => {}); socket.resume() })
  }
  const body = mode === 'differ' ? PAYLOAD_DIFFERENT : PAYLOAD
  const headers = { 'content-type': 'application/json', 'content-length': String(body.length) }
  const answer = (res) => { res.writeHead(200, headers); res.end(body) }
  const server = http.createServer(mode === 'slow'
    ? (req, res) => { req.resume(); setTimeout(answer, delay, res) }
    : mode === 'knee' || mode === 'slow-route'
      ? kneeHandler(mode, answer)
      : (req, res) => { req.resume(); answer(res) })
  // Proxies keep pooled upstream connections idle between rounds (nginx keeps
  // them 60 s); Node's 5 s default would close them under the pool's feet and
  // turn into sporadic 502s that have nothing to do with the proxy's speed.
  server.keepAliveTimeout = 120_000
  server.headersTimeout = 121_000
  return server
}

/**
 * Latency = delay + perRequest × requests held (itself included): a service
 * that queues on a lock or a pool. Keeps what it gave since the last
 * `GET /__bench/stats`, which reports and resets it.
 */
function kneeHandler (mode, answer) {
  let held = 0
  let stats = freshStats()
  return (req, res) => {
    req.resume()
    if (req.url === '/__bench/stats') {
      const body = JSON.stringify(summarizeStats(stats))
      stats = freshStats()
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
      res.end(body)
      return
    }
    if (req.url === '/__bench/held') {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ held }))
      return
    }
    if (mode === 'slow-route' && !req.url.startsWith('/orders/slow/')) {
      answer(res)
      return
    }
    const ms = delay + perRequest * ++held
    const started = performance.now()
    stats.latencies.push(ms)
    stats.heldSum += held
    stats.heldMax = Math.max(stats.heldMax, held)
    setTimeout(() => {
      held--
      answer(res)
      // What a client really waited: on a busy machine this process's timers run late too.
      stats.actual.push(performance.now() - started)
    }, ms)
  }
}

function freshStats () {
  return { latencies: [], actual: [], heldSum: 0, heldMax: 0 }
}

function summarizeStats (s) {
  const n = s.latencies.length
  const sorted = s.latencies.slice().sort((a, b) => a - b)
  return {
    requests: n,
    meanMs: n ? s.latencies.reduce((a, b) => a + b, 0) / n : null,
    p50Ms: n ? sorted[Math.floor(n / 2)] : null,
    p99Ms: n ? sorted[Math.min(n - 1, Math.floor(n * 0.99))] : null,
    actualMeanMs: s.actual.length ? s.actual.reduce((a, b) => a + b, 0) / s.actual.length : null,
    meanHeld: n ? s.heldSum / n : null,
    maxHeld: s.heldMax,
    unloadedMs: delay + perRequest
  }
}

function ready (port) {
  process.stdout.write(JSON.stringify({ ready: true, port, pid: process.pid }) + '\n')
}

function fail (message) {
  process.stderr.write(`upstreams: ${message}\n`)
  process.exit(2)
}

/**
 * Shared pieces of the fault suite: a primary whose exact bytes every client
 * must get, raw-socket requests for malformed HTTP, process measurements
 * (RSS, open fds), and the ledger that counts faults tried, requests sent and
 * requests lost across the suite (docs/reliability.md).
 */
import net from 'node:net'
import { appendFileSync, readdirSync } from 'node:fs'
import { basename } from 'node:path'
import type http from 'node:http'
import { request, type Dispatcher } from 'undici'
import { afterAll, expect } from 'vitest'
import type { App } from '../../src/app.js'
import { listDivergences } from '../../src/store/list-divergences.js'
import { startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'

/** The primary's answer in every fault test: odd status, repeated headers, binary tail. */
export const PRIMARY_BODY = Buffer.concat([Buffer.from('{"from":"primary","n":42}\n'), Buffer.from([0, 1, 2, 254, 255])])

export function primaryHandler(_req: http.IncomingMessage, res: http.ServerResponse): void {
  res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/'])
  res.setHeader('x-primary', 'yes')
  res.setHeader('content-type', 'application/octet-stream')
  res.writeHead(203, 'Non-Authoritative')
  res.end(PRIMARY_BODY)
}

/** Asserts a response is exactly the one `primaryHandler` sends. */
export async function expectPrimaryBytes(res: Dispatcher.ResponseData, label = ''): Promise<void> {
  const body = Buffer.from(await res.body.arrayBuffer())
  expect(res.statusCode, label).toBe(203)
  expect(res.headers['x-primary'], label).toBe('yes')
  expect(res.headers['set-cookie'], label).toEqual(['a=1; Path=/', 'b=2; Path=/'])
  expect(body.equals(PRIMARY_BODY), label).toBe(true)
}

/** GETs `url` and asserts the client got the primary's exact answer; counts it in the ledger. */
export async function getPrimaryBytes(url: string, opts: { dispatcher?: Dispatcher; label?: string } = {}): Promise<void> {
  ledger.sent()
  try {
    const res = await request(url, { dispatcher: opts.dispatcher, headersTimeout: 10_000, bodyTimeout: 10_000 })
    await expectPrimaryBytes(res, opts.label)
  } catch (err) {
    ledger.lost()
    throw err
  }
}

/** The accounting every fault must keep closed. */
export function expectAccountingCloses(app: App): void {
  const s = app.stats
  expect(s.compared + s.dropped + s.skipped + s.notMirrored, JSON.stringify(s.toJSON())).toBe(s.served)
}

export interface RawResult {
  /** Everything the server sent before closing. */
  data: string
  /** True when the server closed the connection (rather than our timeout). */
  closed: boolean
  /** True when the connection was reset rather than closed. */
  reset: boolean
}

/**
 * Writes raw bytes (one string or several, sent `gapMs` apart) and collects
 * the answer until the server closes the connection or `timeoutMs` passes.
 * Uses write, not end: Node servers drop requests from clients that
 * half-close (httpAllowHalfOpen).
 */
export function rawRequest(url: string, parts: string | Buffer | (string | Buffer)[], opts: { gapMs?: number; timeoutMs?: number } = {}): Promise<RawResult> {
  const { port } = new URL(url)
  const list = Array.isArray(parts) ? parts : [parts]
  return new Promise((resolve) => {
    let data = ''
    let done = false
    const finish = (closed: boolean, reset = false) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      resolve({ data, closed, reset })
    }
    const socket = net.connect(Number(port), '127.0.0.1', async () => {
      for (let i = 0; i < list.length; i++) {
        if (done || socket.destroyed) return
        if (i > 0 && opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs))
        if (!socket.destroyed) socket.write(list[i])
      }
    })
    socket.on('data', (c) => (data += c.toString('latin1')))
    socket.on('end', () => finish(true))
    socket.on('close', () => finish(true))
    socket.on('error', () => finish(true, true))
    const timer = setTimeout(() => finish(false), opts.timeoutMs ?? 5_000)
  })
}

/** Resident set size of this process in MiB. */
export function rssMb(): number {
  return process.memoryUsage().rss / (1024 * 1024)
}

/** Open file descriptors of a process (Linux /proc). */
export function openFds(pid: number | 'self' = 'self'): number {
  return readdirSync(`/proc/${pid}/fd`).length
}

/** Resolves when `predicate` holds, polling every `everyMs`; rejects after `timeoutMs`. For external state only (other processes, sockets). */
export async function until(predicate: () => boolean, what: string, timeoutMs = 10_000, everyMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

/**
 * Counts, per test file, the faults tried and the client requests sent and
 * lost. A request is lost when the client did not get the answer the test
 * expects (the primary's bytes or the proxy's documented error) or hung.
 * With FAULT_LEDGER=<file> set, each file appends one NDJSON line at the end
 * so a run can be summed (see docs/reliability.md).
 */
export const ledger = {
  faults: 0,
  requests: 0,
  losses: 0,
  fault(n = 1): void {
    this.faults += n
  },
  sent(n = 1): void {
    this.requests += n
  },
  lost(n = 1): void {
    this.losses += n
  },
}

/** Registers the ledger for the calling test file; call once at module level. */
export function useLedger(file: string): void {
  afterAll(() => {
    const line = { file: basename(file), faults: ledger.faults, requests: ledger.requests, lost: ledger.losses }
    const out = process.env.FAULT_LEDGER
    if (out) appendFileSync(out, JSON.stringify(line) + '\n')
  })
}

export interface CandidateFaultOptions {
  /** Base URL of the misbehaving candidate. */
  candidate: string
  /** Client requests to send (sequentially, on one keep-alive connection). */
  requests?: number
  /** Extra config merged over the test defaults. */
  config?: Record<string, unknown>
}

/**
 * The common shape of a candidate fault: a healthy primary, the given
 * candidate, `requests` GETs. Asserts each client got the primary's exact
 * bytes, then drains and returns the app and the stored divergences so the
 * caller can check what was recorded.
 */
export async function runCandidateFault(opts: CandidateFaultOptions) {
  ledger.fault()
  const primary = await startUpstream(primaryHandler)
  const started = await startProxy({ primary, candidate: opts.candidate, ...opts.config })
  const n = opts.requests ?? 10
  for (let i = 0; i < n; i++) await getPrimaryBytes(`${started.proxyUrl}/fault/${i}?q=${i}`, { label: `request ${i}` })
  await started.app.drain()
  expect(started.app.scheduler.inFlight).toBe(0)
  expect(started.app.scheduler.queued).toBe(0)
  expectAccountingCloses(started.app)
  const rows = listDivergences([started.db], { limit: 1000 })
  return { ...started, rows, n }
}

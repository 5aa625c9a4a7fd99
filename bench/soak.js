#!/usr/bin/env node
/**
 * Soak: runs the real `shadowdiff serve` (a child process) for SOAK_SECONDS
 * under a steady, moderate load while the candidate flaps down and up, and
 * samples the proxy's RSS and open file descriptors (/proc/<pid>). At the end
 * it checks that memory and fds stayed flat, that no client request was lost,
 * and that the accounting closes: served = compared + dropped + skipped + notMirrored.
 *
 *   npm run build && node bench/soak.js              # 10 minutes
 *   SOAK_SECONDS=20 node bench/soak.js               # a short run
 *
 * Settings (environment): SOAK_SECONDS (600), SOAK_RPS (200), SOAK_CONCURRENCY
 * (16), SOAK_FLAP_MS (3000: the candidate is down, then up, this long each),
 * SOAK_SAMPLE_MS (5000), SOAK_JSON=1 prints only the JSON summary.
 * Exit code: 0 when every check passes, 1 otherwise. Linux only (/proc).
 */
import http from 'node:http'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir, cpus } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Agent, request } from 'undici'

const SECONDS = num('SOAK_SECONDS', 600)
const RPS = num('SOAK_RPS', 200)
const CONCURRENCY = num('SOAK_CONCURRENCY', 16)
const FLAP_MS = num('SOAK_FLAP_MS', 3000)
const SAMPLE_MS = num('SOAK_SAMPLE_MS', Math.min(5000, Math.max(500, (SECONDS * 1000) / 20)))
const JSON_ONLY = process.env.SOAK_JSON === '1'
const BIN = fileURLToPath(new URL('../bin/shadowdiff.js', import.meta.url))

function num(name, fallback) {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`soak: ${name} must be a positive number, got '${raw}'`)
    process.exit(2)
  }
  return n
}

const log = (...args) => {
  if (!JSON_ONLY) console.log(...args)
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** The primary: small JSON that varies by path. */
function primaryHandler(req, res) {
  const body = JSON.stringify({ path: req.url, items: [1, 2, 3], price: 9.99, at: 'fixed' })
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

/** The candidate: equal to the primary except on one path in 20, so a few divergences are stored. */
function candidateHandler(req, res) {
  const odd = /\/(\d+)$/.exec(req.url ?? '')?.[1] % 20 === 0
  const body = JSON.stringify({ path: req.url, items: [1, 2, 3], price: odd ? 10.49 : 9.99, at: 'fixed' })
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

async function listen(server, port = 0) {
  server.listen(port, '127.0.0.1')
  await once(server, 'listening')
  return server.address().port
}

/** A candidate that goes down and comes back on the same port every FLAP_MS. */
async function flappingCandidate() {
  let server = http.createServer(candidateHandler)
  const port = await listen(server)
  let up = true
  let flaps = 0
  let stopped = false
  const loop = (async () => {
    while (!stopped) {
      await sleep(FLAP_MS)
      if (stopped) break
      if (up) {
        server.closeAllConnections()
        await new Promise((r) => server.close(r))
      } else {
        server = http.createServer(candidateHandler)
        await listen(server, port)
      }
      up = !up
      flaps++
    }
  })()
  return {
    url: `http://127.0.0.1:${port}`,
    get flaps() {
      return flaps
    },
    async stop() {
      stopped = true
      await loop
      if (up) {
        server.closeAllConnections()
        await new Promise((r) => server.close(r))
      }
    },
  }
}

function sampleProcess(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return { rssMb: rssKb / 1024, fds: readdirSync(`/proc/${pid}/fd`).length }
}

async function adminStatus(adminUrl) {
  const res = await request(`${adminUrl}/api/status`)
  return res.body.json()
}

function median(values) {
  const s = [...values].sort((a, b) => a - b)
  return s.length === 0 ? 0 : s[Math.floor(s.length / 2)]
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-soak-'))
  const primaryServer = http.createServer(primaryHandler)
  const primary = `http://127.0.0.1:${await listen(primaryServer)}`
  const candidate = await flappingCandidate()
  const db = join(dir, 'soak.db')
  const config = join(dir, 'soak.json')
  writeFileSync(config, JSON.stringify({ mirror: { timeoutMs: 1000 } }))
  const child = spawn(process.execPath, [BIN, 'serve', '--primary', primary, '--candidate', candidate.url, '--port', '0', '--admin-port', '0', '--db', db, '--config', config, '--log-level', 'info'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let childOutput = ''
  // Keep only the tail: the proxy's logs are for diagnosing a failed run.
  const keep = (c) => (childOutput = (childOutput + c).slice(-64 * 1024))
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const { proxyUrl, adminUrl } = await waitForUrls(child, () => childOutput)

  const baseline = sampleProcess(child.pid)
  log(`soak: ${SECONDS} s at ${RPS} req/s (${CONCURRENCY} connections), candidate flapping every ${FLAP_MS} ms; node ${process.version}, ${cpus().length} cpus`)
  log(`soak: proxy pid ${child.pid}, baseline RSS ${baseline.rssMb.toFixed(1)} MiB, ${baseline.fds} fds`)

  const agent = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 10_000 })
  const client = { sent: 0, ok: 0, failed: 0, wrong: 0, latencies: [] }
  const started = Date.now()
  const deadline = started + SECONDS * 1000
  const interval = (1000 * CONCURRENCY) / RPS
  const worker = async (w) => {
    let next = Date.now() + (w * interval) / CONCURRENCY
    for (let i = 0; Date.now() < deadline; i++) {
      const wait = next - Date.now()
      if (wait > 0) await sleep(wait)
      next += interval
      const path = `/soak/${w}/${i}`
      client.sent++
      const t = performance.now()
      try {
        const res = await request(proxyUrl + path, { dispatcher: agent, headersTimeout: 10_000, bodyTimeout: 10_000 })
        const body = await res.body.text()
        if (res.statusCode === 200 && JSON.parse(body).path === path) client.ok++
        else client.wrong++
      } catch {
        client.failed++
      }
      if (client.latencies.length < 200_000) client.latencies.push(performance.now() - t)
    }
  }
  const samples = []
  const sampler = (async () => {
    while (Date.now() < deadline) {
      await sleep(Math.min(SAMPLE_MS, Math.max(0, deadline - Date.now())))
      const s = { t: Math.round((Date.now() - started) / 1000), ...sampleProcess(child.pid) }
      samples.push(s)
      log(`  t=${String(s.t).padStart(4)} s  RSS ${s.rssMb.toFixed(1).padStart(6)} MiB  fds ${String(s.fds).padStart(4)}  sent ${client.sent}  candidate ${candidate.flaps % 2 === 0 ? 'up' : 'down'}`)
    }
  })()
  await Promise.all([...Array.from({ length: CONCURRENCY }, (_, w) => worker(w)), sampler])
  await agent.close()
  await candidate.stop()

  // Let in-flight mirrors settle (mirror timeout 1 s), then read the accounting.
  let status = await adminStatus(adminUrl)
  for (let i = 0; i < 50 && (status.inFlight > 0 || status.queued > 0 || status.compareQueued > 0); i++) {
    await sleep(100)
    status = await adminStatus(adminUrl)
  }
  // Idle sockets to the upstreams close after their keep-alive timeout (4 s).
  let idle = sampleProcess(child.pid)
  for (let i = 0; i < 100 && idle.fds > baseline.fds + 2; i++) {
    await sleep(100)
    idle = sampleProcess(child.pid)
  }
  child.kill('SIGTERM')
  const [exitCode] = await once(child, 'exit')
  primaryServer.closeAllConnections()
  primaryServer.close()

  const warm = samples.filter((s) => s.t >= Math.min(30, SECONDS / 4))
  const quarter = Math.max(1, Math.floor(warm.length / 4))
  const early = warm.slice(0, quarter)
  const late = warm.slice(-quarter)
  const rssEarly = median(early.map((s) => s.rssMb))
  const rssLate = median(late.map((s) => s.rssMb))
  const fdsEarly = median(early.map((s) => s.fds))
  const fdsLate = median(late.map((s) => s.fds))
  const accounted = status.compared + status.dropped + status.skipped + status.notMirrored
  const lat = client.latencies.sort((a, b) => a - b)
  const pct = (p) => (lat.length === 0 ? 0 : lat[Math.min(lat.length - 1, Math.floor((lat.length * p) / 100))])
  const checks = {
    // Flat: the late median within 15% + 8 MiB of the early one (GC settles in the first quarter).
    rssFlat: rssLate <= rssEarly * 1.15 + 8,
    fdsFlat: fdsLate <= fdsEarly + 4,
    fdsBackToBaseline: idle.fds <= baseline.fds + 2,
    noClientLost: client.failed === 0 && client.wrong === 0 && client.ok === client.sent,
    accountingCloses: accounted === status.served,
    servedAllSent: status.served === client.sent,
    storeHealthy: status.store.lost === 0,
    cleanExit: exitCode === 0,
  }
  const summary = {
    node: process.version,
    cpus: cpus().length,
    seconds: SECONDS,
    rps: RPS,
    flaps: candidate.flaps,
    client: { sent: client.sent, ok: client.ok, failed: client.failed, wrong: client.wrong, p50Ms: +pct(50).toFixed(1), p99Ms: +pct(99).toFixed(1), maxMs: +pct(100).toFixed(1) },
    proxy: {
      baseline,
      rssMb: { early: +rssEarly.toFixed(1), late: +rssLate.toFixed(1), max: +Math.max(...samples.map((s) => s.rssMb)).toFixed(1) },
      fds: { early: fdsEarly, late: fdsLate, max: Math.max(...samples.map((s) => s.fds)), afterIdle: idle.fds },
    },
    accounting: {
      served: status.served,
      compared: status.compared,
      dropped: status.dropped,
      skipped: status.skipped,
      notMirrored: status.notMirrored,
      divergent: status.divergent,
      candidateErrors: status.candidateErrors,
      droppedBy: status.droppedBy,
      store: status.store,
    },
    checks,
    ok: Object.values(checks).every(Boolean),
    samples,
  }
  rmSync(dir, { recursive: true, force: true })
  if (JSON_ONLY) console.log(JSON.stringify(summary))
  else {
    log(`soak: client ${client.sent} sent, ${client.ok} ok, ${client.failed} failed, ${client.wrong} wrong; p50 ${summary.client.p50Ms} ms, p99 ${summary.client.p99Ms} ms`)
    log(`soak: RSS early ${summary.proxy.rssMb.early} MiB, late ${summary.proxy.rssMb.late} MiB, max ${summary.proxy.rssMb.max} MiB; fds early ${fdsEarly}, late ${fdsLate}, after idle ${idle.fds} (baseline ${baseline.fds})`)
    log(`soak: served ${status.served} = compared ${status.compared} + dropped ${status.dropped} + skipped ${status.skipped} + notMirrored ${status.notMirrored} (${accounted})`)
    log(`soak: ${status.divergent} divergent, of which ${status.candidateErrors} candidate errors (the flaps); store written ${status.store.written}, lost ${status.store.lost}, failed flushes ${status.store.failedFlushes}`)
    for (const [name, ok] of Object.entries(checks)) log(`  ${ok ? 'PASS' : 'FAIL'} ${name}`)
    log(`soak: ${summary.ok ? 'PASS' : 'FAIL'}`)
    if (!summary.ok) log(`soak: proxy log tail:\n${childOutput.slice(-4000)}`)
  }
  process.exitCode = summary.ok ? 0 : 1
}

/** Reads the proxy and admin URLs from serve's "shadowdiff listening" log line. */
async function waitForUrls(child, output) {
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    for (const line of output().split('\n')) {
      if (!line.includes('shadowdiff listening')) continue
      const entry = JSON.parse(line)
      return { proxyUrl: entry.proxy, adminUrl: entry.admin }
    }
    if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}: ${output()}`)
    await sleep(25)
  }
  throw new Error(`serve did not start: ${output()}`)
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})

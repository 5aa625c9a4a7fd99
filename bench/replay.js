#!/usr/bin/env node
/**
 * `shadowdiff replay` against the `compare` receiver, side by side on the
 * same machine, and replay's memory on a large capture:
 *
 *   node bench/replay.js [--requests 20000] [--large 200000] [--concurrency 64] [--write|--no-write]
 *
 * 1. replay: N captured small JSON requests (bench/lib/replay-workload.js)
 *    replayed against two fast local upstreams (bench/upstreams.js same);
 *    compared/s from the replay's own summary, peak RSS of its process.
 * 2. compare receiver: the same N requests sent by an undici pool to
 *    `shadowdiff compare` (which answers 204 and calls both upstreams
 *    itself), with the same in-flight bound, a queue big enough to drop
 *    nothing and a deadline long enough to drop nothing stale; compared/s
 *    from the first request to the last comparison, peak RSS.
 * 3. large: a --large-line capture replayed whole, RSS sampled as it
 *    goes: a streamed reader keeps it flat whatever the file's size.
 *
 * Writes the table into bench/RESULTS.md (section bench:replay) unless --no-write.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { Pool } from 'undici'
import { startProcess, freePort, rssTreeMb } from './lib/proc.js'
import { ROOT } from './lib/shadowdiff.js'
import { machineInfo } from './lib/machine.js'
import { replaceSection } from './lib/results-file.js'
import { captureLine, writeCapture } from './lib/replay-workload.js'

const { values: flags } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    large: { type: 'string', default: '200000' },
    concurrency: { type: 'string', default: '64' },
    write: { type: 'boolean', default: true },
    'no-write': { type: 'boolean', default: false }
  }
})
const N = Number(flags.requests)
const LARGE = Number(flags.large)
const CONCURRENCY = Number(flags.concurrency)
const BIN = join(ROOT, 'bin', 'shadowdiff.js')
const log = (msg) => process.stderr.write(`bench/replay: ${msg}\n`)

const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-bench-replay-'))
process.on('exit', () => rmSync(dir, { recursive: true, force: true }))

/** Runs `node bin/shadowdiff.js replay …`, sampling its RSS every 100 ms. */
async function runReplay (file, label) {
  const db = join(dir, `${label}.db`)
  const args = [BIN, 'replay', '--from', file, '--primary', primary.url, '--candidate', candidate.url,
    '--db', db, '--concurrency', String(CONCURRENCY), '--allow-unsafe', '--min-samples', '1', '--log-level', 'warn']
  const started = performance.now()
  const child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c) => (stdout += c))
  child.stderr.on('data', (c) => (stderr += c))
  const samples = []
  const timer = setInterval(() => {
    const mb = rssTreeMb(child.pid)
    if (mb !== undefined) samples.push({ t: performance.now() - started, mb })
  }, 100)
  const code = await new Promise((resolve) => child.on('close', resolve))
  clearInterval(timer)
  const wallS = (performance.now() - started) / 1000
  const m = /sent ([\d,]+) in ([\d.]+) s .*compared ([\d,]+), divergent ([\d,]+)/.exec(stdout)
  if (code !== 0 || m === null) throw new Error(`${label}: replay exited ${code}\n${stdout}\n${stderr.slice(-2000)}`)
  const num = (s) => Number(s.replace(/,/g, ''))
  return { sent: num(m[1]), seconds: Number(m[2]), compared: num(m[3]), divergent: num(m[4]), wallS, samples, peakMb: Math.max(...samples.map((s) => s.mb)) }
}

/** `shadowdiff compare` fed N requests by an undici pool; compared/s until the last comparison. */
async function runReceiver () {
  const port = await freePort()
  const adminPort = await freePort()
  const proc = await startProcess('compare', process.execPath, [BIN, 'compare', '--primary', primary.url, '--candidate', candidate.url,
    '--port', String(port), '--admin-port', String(adminPort), '--db', join(dir, 'receiver.db'),
    '--max-in-flight', String(CONCURRENCY), '--max-queue', String(N), '--mirror-timeout', '600000', '--mirror-methods', 'GET,HEAD,POST', '--log-level', 'warn'],
  { cwd: dir, readyUrl: `http://127.0.0.1:${adminPort}/api/status` })
  const status = async () => (await fetch(`http://127.0.0.1:${adminPort}/api/status`)).json()
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: CONCURRENCY, pipelining: 1 })
  let peakMb = 0
  const timer = setInterval(() => { peakMb = Math.max(peakMb, rssTreeMb(proc.pid) ?? 0) }, 100)
  const started = performance.now()
  let next = 0
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < N) {
      const i = next++
      const record = JSON.parse(captureLine(i))
      const res = await pool.request({
        method: record.method,
        path: new URL(record.url).pathname + new URL(record.url).search,
        headers: Object.fromEntries(record.headers.filter((h) => h.name !== 'authorization').map((h) => [h.name, h.value])),
        body: record.postData?.text
      })
      await res.body.dump()
    }
  }))
  const sentS = (performance.now() - started) / 1000
  let s
  for (;;) {
    s = await status()
    if (s.compared + s.dropped + s.skipped >= N) break
    await sleep(20)
  }
  const seconds = (performance.now() - started) / 1000
  clearInterval(timer)
  await pool.close()
  await proc.stop()
  return { compared: s.compared, dropped: s.dropped, skipped: s.skipped, seconds, sentS, peakMb }
}

log(`starting two upstreams (bench/upstreams.js same)`)
const [primary, candidate] = await Promise.all(['primary', 'candidate'].map(async (name) => {
  const p = await startProcess(name, process.execPath, [join(ROOT, 'bench', 'upstreams.js'), 'same'], { readyLine: true })
  p.url = `http://127.0.0.1:${p.port}`
  return p
}))

const small = join(dir, 'captured.ndjson')
const smallBytes = await writeCapture(small, N)
log(`replay: ${N} requests (${(smallBytes / 1024 / 1024).toFixed(1)} MB capture), --concurrency ${CONCURRENCY}`)
await runReplay(small, 'warmup').catch((err) => { throw err })
const replay = await runReplay(small, 'replay')
log(`replay: ${replay.compared} compared in ${replay.seconds} s; peak RSS ${replay.peakMb.toFixed(0)} MB`)
log(`compare receiver: ${N} requests`)
const receiver = await runReceiver()
log(`receiver: ${receiver.compared} compared in ${receiver.seconds.toFixed(2)} s; peak RSS ${receiver.peakMb.toFixed(0)} MB`)

const large = join(dir, 'large.ndjson')
const largeBytes = await writeCapture(large, LARGE)
log(`large: ${LARGE} requests (${(largeBytes / 1024 / 1024).toFixed(0)} MB capture)`)
const big = await runReplay(large, 'large')
log(`large: ${big.compared} compared in ${big.seconds} s; peak RSS ${big.peakMb.toFixed(0)} MB`)
await Promise.all([primary.stop(), candidate.stop()])

const fmt = (n) => Math.round(n).toLocaleString('en-US')
const rssAt = (samples, fraction) => {
  const end = samples[samples.length - 1].t
  const s = samples.find((x) => x.t >= end * fraction) ?? samples[samples.length - 1]
  return s.mb.toFixed(0)
}
const m = machineInfo()
const ratio = (replay.compared / replay.seconds) / (receiver.compared / receiver.seconds)
const body = `## Replay vs the compare receiver

Run ${new Date().toISOString()} · ${m.nproc} CPUs (${m.model}) · ${m.memGb.toFixed(1)} GB RAM · ${m.kernel} · load average at end ${m.loadavg}
Node ${m.node} · command: \`node bench/replay.js --requests ${N} --large ${LARGE} --concurrency ${CONCURRENCY}\`

Workload: ${fmt(N)} captured small JSON requests (bench/lib/replay-workload.js: GETs of three routes, every fifth a POST with a JSON body), two upstreams \`bench/upstreams.js same\` (564-byte JSON answer), ${CONCURRENCY} exchanges in flight. Replay reads the capture file; the receiver is fed the same requests by an undici pool in the bench process (which shares the 2 cores), answers 204 and calls both upstreams itself, with \`--max-queue ${N}\` and a long deadline so that it drops nothing. Compared/s: replay's own \`sent … in X s\` (reading, sending, comparing, flushing the store); the receiver's from the first request to the last comparison.

| run | compared | divergent / dropped | seconds | compared/s | peak RSS MB |
|---|--:|--:|--:|--:|--:|
| \`shadowdiff replay\` (${(smallBytes / 1024 / 1024).toFixed(1)} MB capture) | ${fmt(replay.compared)} | ${fmt(replay.divergent)} divergent | ${replay.seconds.toFixed(2)} | **${fmt(replay.compared / replay.seconds)}** | ${replay.peakMb.toFixed(0)} |
| \`shadowdiff compare\` receiver | ${fmt(receiver.compared)} | ${fmt(receiver.dropped)} dropped | ${receiver.seconds.toFixed(2)} | **${fmt(receiver.compared / receiver.seconds)}** | ${receiver.peakMb.toFixed(0)} |

Replay / receiver compared/s: **${ratio.toFixed(2)}×** (goal ≥ 1.0×: ${ratio >= 1 ? 'PASS' : 'MISS'}).

Constant memory: ${fmt(LARGE)} requests, a ${(largeBytes / 1024 / 1024).toFixed(0)} MB capture, replayed whole in ${big.seconds.toFixed(1)} s (${fmt(big.compared / big.seconds)} compared/s). RSS of the replay process at 25 / 50 / 75 / 100 % of the run: ${rssAt(big.samples, 0.25)} / ${rssAt(big.samples, 0.5)} / ${rssAt(big.samples, 0.75)} / ${rssAt(big.samples, 0.99)} MB, peak ${big.peakMb.toFixed(0)} MB (${fmt(N)} requests: ${replay.peakMb.toFixed(0)} MB).
`
process.stdout.write(body + '\n')
if (flags.write && !flags['no-write']) {
  replaceSection(join(ROOT, 'bench', 'RESULTS.md'), 'replay', body)
  log('wrote bench/RESULTS.md (section bench:replay)')
}

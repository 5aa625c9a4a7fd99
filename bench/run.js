#!/usr/bin/env node
/**
 * `npm run bench`: starts every upstream and proxy on loopback, each in its
 * own process, drives each case with the same load-generator settings in
 * interleaved rounds, and prints one table with the goals of the
 * performance issue evaluated on that run. See docs/bench.md.
 *
 *   node bench/run.js [--quick] [--cases id,id] [--rounds N] [--write|--no-write]
 *   node bench/run.js --soak-stalled
 *   node bench/run.js --sd-workers 2 --cases nginx-mirror,sd-off,sd-shadow   (experiment: N cluster workers)
 *
 * Environment: BENCH_DURATION (seconds per round, default 10), BENCH_WARMUP
 * (seconds, default 3), BENCH_ROUNDS (3), BENCH_CONNECTIONS (50),
 * BENCH_THREADS (1), BENCH_UPSTREAM_WORKERS (1), BENCH_LOADGEN=autocannon,
 * BENCH_SD_WORKERS (1; as --sd-workers), BENCH_COVERAGE_WARMUP (16: seconds of warm-up of
 * the mirror coverage cases, so that the controller's start-up is not measured).
 */
import { parseArgs } from 'node:util'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { CASES, GOALS, UPSTREAMS, COVERAGE_GOALS } from './lib/cases.js'
import { loadGenerator } from './lib/load.js'
import { ensureTool, versionOf } from './lib/apt.js'
import { startProcess, rssTreeMb, cpuTreeSeconds } from './lib/proc.js'
import { ROOT, sdWorkers, shadowdiffUnavailable, settledStatus } from './lib/shadowdiff.js'
import { PAYLOAD } from './lib/payload.js'
import { summarize, caseTable, countersTable, evaluateGoals, goalsTable } from './lib/report.js'
import { machineInfo } from './lib/machine.js'
import { replaceSection } from './lib/results-file.js'
import { runSoak } from './lib/soak.js'
import { startCoverage, sampleControl, measureUnloaded, endRound, endCoverage, coverageRows, coverageTable, evaluateCoverageGoals, coverageGoalsTable } from './lib/coverage.js'

const log = (msg) => process.stderr.write(`bench: ${msg}\n`)

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    cases: { type: 'string' },
    rounds: { type: 'string' },
    write: { type: 'boolean' },
    'no-write': { type: 'boolean', default: false },
    'soak-stalled': { type: 'boolean', default: false },
    'sd-workers': { type: 'string' }
  }
})
// The node:cluster experiment (bench/experiments/cluster-serve.js): read by bench/lib/shadowdiff.js.
if (flags['sd-workers'] !== undefined) process.env.BENCH_SD_WORKERS = String(positiveInt('--sd-workers', flags['sd-workers']))

const settings = {
  durationS: seconds('BENCH_DURATION', flags.quick ? 3 : 10),
  warmupS: seconds('BENCH_WARMUP', flags.quick ? 2 : 3),
  rounds: positiveInt('--rounds', flags.rounds ?? process.env.BENCH_ROUNDS ?? '3'),
  connections: positiveInt('BENCH_CONNECTIONS', process.env.BENCH_CONNECTIONS ?? '50'),
  threads: positiveInt('BENCH_THREADS', process.env.BENCH_THREADS ?? '1'),
  upstreamWorkers: positiveInt('BENCH_UPSTREAM_WORKERS', process.env.BENCH_UPSTREAM_WORKERS ?? '1'),
  coverageWarmupS: seconds('BENCH_COVERAGE_WARMUP', 16)
}

const loadgen = loadGenerator({ log })
const startLoad = machineInfo().loadavg
if (flags['soak-stalled']) {
  await runSoak({ settings, loadgen, log, startUpstream, commandLine: commandLine() })
} else {
  await runBench()
}

async function runBench () {
  const selected = selectCases(flags.cases)
  const unavailable = new Map()
  let nginx
  if (selected.some((c) => c.kind === 'nginx')) {
    const tool = ensureTool('nginx', 'nginx', { log })
    if (tool.skip) log(`skipping the nginx cases: ${tool.skip}`)
    nginx = tool.path
    for (const c of selected) if (c.kind === 'nginx' && tool.skip) unavailable.set(c.id, tool.skip)
  }
  const sdMissing = shadowdiffUnavailable()
  if (sdMissing) {
    log(`skipping the shadowdiff cases: ${sdMissing}`)
    for (const c of selected) if (c.kind === 'shadowdiff') unavailable.set(c.id, sdMissing)
  }
  const cases = selected.map((c) => ({ ...c, rounds: [], rssPeakMb: undefined, failed: unavailable.get(c.id), skipped: unavailable.has(c.id) }))

  const up = {}
  for (const role of new Set(cases.filter((c) => !c.skipped).flatMap((c) => c.upstreams))) up[role] = await startUpstream(role)
  const running = cases.filter((c) => !c.skipped)
  for (const c of running) {
    try {
      c.proc = await c.start({ up, nginx, nodeArgs: [] })
      if (c.statsUpstream) c.statsUrl = `http://127.0.0.1:${up[c.statsUpstream].port}/__bench/stats`
      await checkCorrect(c)
    } catch (err) {
      c.failed = err.summary ? `did not start: ${err.summary}` : err.message.split('\n')[0]
      log(`${c.id}: ${err.message}`)
    }
  }
  const live = running.filter((c) => !c.failed)
  const total = live.length * (settings.warmupS + settings.rounds * settings.durationS)
  log(`${live.length} cases × (${settings.warmupS}s warm-up + ${settings.rounds} × ${settings.durationS}s), about ${Math.ceil(total / 60)} min`)

  // A coverage case warms up long enough for the mirror controller to take its first two
  // no-load probes (at 5 s and 15 s): its start-up is not what the rounds measure.
  for (const c of live) await measure(c, c.coverage ? Math.max(settings.warmupS, settings.coverageWarmupS) : settings.warmupS, 'warm-up')
  // Coverage is counted over the measured rounds only: the warm-up includes the controller's start.
  for (const c of live) if (c.coverage) await startCoverage(c).catch((err) => log(`${c.id}: coverage start: ${err.message}`))
  for (let round = 1; round <= settings.rounds; round++) {
    for (const c of live) {
      if (c.coverage && c.control) await measureUnloaded(c).catch((err) => log(`${c.id}: unloaded latency: ${err.message}`))
      const r = await measure(c, settings.durationS, `round ${round}/${settings.rounds}`)
      if (r) c.rounds.push(r)
      if (c.coverage && c.control) await endRound(c).catch((err) => log(`${c.id}: ${err.message}`))
    }
  }
  for (const c of live) {
    if (c.coverage && c.coverageStart) await endCoverage(c).catch((err) => log(`${c.id}: coverage end: ${err.message}`))
    if (c.kind === 'shadowdiff') c.status = await settledStatus(c.proc).catch((err) => ({ error: err.message }))
    // Correctness of the shadowdiff workloads, from its own counters.
    if (c.kind === 'shadowdiff' && c.id === 'sd-shadow' && c.status?.divergent > 0) c.note = `${c.status.divergent} divergent: identical responses were not all equal`
    if (c.kind === 'shadowdiff' && c.id === 'sd-divergent' && c.status && c.status.divergent < c.status.compared) c.note = `only ${c.status.divergent} of ${c.status.compared} compared were divergent`
  }
  for (const c of running) if (c.proc && !c.proc.external) await c.proc.stop()
  for (const p of Object.values(up)) await p.stop()

  const rows = cases.map(summarize)
  const goals = evaluateGoals(GOALS, rows)
  const coverage = coverageRows(cases, rows)
  const coverageGoals = evaluateCoverageGoals(COVERAGE_GOALS, coverage)
  const text = renderRun({ rows, goals, cases, nginx, coverage, coverageGoals })
  process.stdout.write(`\n${text}\n`)

  // An experiment's table never replaces the recorded one unless asked (--write).
  const full = cases.length === CASES.length && !flags.quick && sdWorkers() === 1
  const write = flags['no-write'] ? false : (flags.write ?? full)
  if (write) {
    replaceSection(join(ROOT, 'bench', 'RESULTS.md'), 'proxy', text)
    log('wrote the proxy section of bench/RESULTS.md')
  } else {
    log('bench/RESULTS.md not updated (partial or --quick run; pass --write to force)')
  }
}

/** Starts one upstream role from UPSTREAMS in its own process. */
async function startUpstream (role) {
  const mode = UPSTREAMS[role]
  // Only the primary takes the full load; the candidates see what the proxy mirrors.
  const workers = role === 'primary' ? settings.upstreamWorkers : 1
  const proc = await startProcess(role, process.execPath, [join(ROOT, 'bench', 'upstreams.js'), mode, '--workers', String(workers)], { readyLine: true })
  proc.workers = workers
  return proc
}

/**
 * The client must get the primary's body through every proxy, whatever the
 * candidate does: a case that answers wrong is FAILED, not fast.
 */
async function checkCorrect (c) {
  const res = await fetch(`http://127.0.0.1:${c.proc.port}/orders/1?x=1`, { signal: AbortSignal.timeout(5000) })
  const body = Buffer.from(await res.arrayBuffer())
  if (res.status !== 200) throw new Error(`GET /orders/1 answered ${res.status}`)
  if (!body.equals(PAYLOAD)) throw new Error(`GET /orders/1 body differs from the primary's (${body.length} bytes)`)
}

/** One load round against a case, sampling the proxy's RSS every second. */
async function measure (c, durationS, what) {
  const url = `http://127.0.0.1:${c.proc.port}/orders/1`
  const sample = () => {
    if (c.kind === 'direct') return
    const mb = rssTreeMb(c.proc.pid)
    if (mb !== undefined) c.rssPeakMb = Math.max(c.rssPeakMb ?? 0, mb)
    if (c.coverage && c.control && what !== 'warm-up') sampleControl(c)
  }
  const timer = setInterval(sample, 1000)
  const cpuBefore = cpuTreeSeconds(c.proc.pid)
  try {
    const r = await loadgen.run(url, { durationS, connections: settings.connections, threads: settings.threads, paths: c.paths })
    sample()
    const cpu = cpuTreeSeconds(c.proc.pid) - cpuBefore
    r.cpuUsPerReq = (cpu * 1e6) / r.requests
    r.cpuPct = (100 * cpu) / durationS
    log(`${what.padEnd(11)} ${c.id.padEnd(18)} ${Math.round(r.rps).toString().padStart(6)} req/s  p99 ${r.p99Ms.toFixed(2).padStart(7)} ms  CPU ${r.cpuUsPerReq.toFixed(0).padStart(4)} µs/req ${r.cpuPct.toFixed(0).padStart(3)}%${r.non2xx || r.socketErrors ? `  non-2xx ${r.non2xx}, socket errors: ${r.errorKinds || 0}` : ''}`)
    return r
  } catch (err) {
    c.failed = `load generator: ${err.message.split('\n')[0]}`
    log(`${c.id}: ${err.message}`)
    return undefined
  } finally {
    clearInterval(timer)
    // Let background work of this case (mirrors, comparisons, store writes)
    // finish before the next case is measured, so it is not billed to it.
    if (c.kind === 'shadowdiff') await settledStatus(c.proc).catch(() => {})
    else await sleep(300)
  }
}

function renderRun ({ rows, goals, cases, nginx, coverage, coverageGoals }) {
  const m = machineInfo()
  const lines = [
    '## Proxy throughput',
    '',
    `Run ${new Date().toISOString()} · ${m.nproc} CPUs (${m.model}) · ${m.memGb.toFixed(1)} GB RAM · ${m.kernel} · load average at start ${startLoad}, at end ${m.loadavg}`,
    `Node ${m.node} · ${nginx ? versionOf(nginx) : 'nginx: not available'} · ${loadgen.version}`,
    '',
    `Load: ${loadgen.describe('http://127.0.0.1:<port>/orders/1', settings)} per round; ` +
      `${settings.warmupS}s warm-up per case, then ${settings.rounds} interleaved rounds, median shown. ` +
      `Upstream: bench/upstreams.js, ${settings.upstreamWorkers} primary process(es), ${PAYLOAD.length}-byte JSON body. ` +
      'The machine is shared with other work; compare ratios within this run.' +
      (sdWorkers() > 1 ? ` EXPERIMENT: every shadowdiff case ran as ${sdWorkers()} node:cluster workers (bench/experiments/cluster-serve.js), one database each; CPU and RSS are those of all workers together, the counters below those of the one worker that answered /api/status.` : ''),
    '',
    caseTable(rows),
    '',
    goalsTable(goals)
  ]
  const counters = countersTable(rows)
  if (counters) lines.push('', 'shadowdiff counters at the end of the run (GET /api/status, warm-up included):', '', counters)
  if (coverage.length) {
    lines.push(
      '',
      '### Mirror coverage and what the controller chose',
      '',
      'Over the measured rounds (warm-up excluded), same load as above. Coverage is compared ÷ mirror-eligible requests; ' +
        'the limit and the share are `/api/status` → `mirrorControl`, sampled every second; client p99 is divided by the identical (fast) candidate\'s; ' +
        'the knee and slow-route candidates report the latency a client really waited (20 ms + 1 ms per request held by formula, plus what a busy machine adds), ' +
        'divided by the unloaded latency measured just before each round (20 requests one at a time, median).' +
        (loadgen.cyclesPaths ? '' : ' autocannon cannot cycle paths: the slow-route case ran its first path only.'),
      '',
      coverageTable(coverage),
      '',
      coverageGoalsTable(coverageGoals),
      '',
      'The stalled candidate for 60 s, with its RSS: `--soak-stalled` (its own section below).'
    )
  }
  lines.push('', `Command: \`${commandLine()}\``, '', 'Proxies under test:', '')
  for (const c of cases) if (c.proc?.command) lines.push(`- ${c.id}: \`${c.proc.command.replace(/\/tmp\/shadowdiff-bench-[^/ ]+/g, '<tmp>')}\``)
  for (const c of cases) if (c.skipped) lines.push(`- ${c.id}: skipped (${c.failed})`)
  return lines.join('\n')
}

function commandLine () {
  const env = ['BENCH_DURATION', 'BENCH_WARMUP', 'BENCH_ROUNDS', 'BENCH_CONNECTIONS', 'BENCH_THREADS', 'BENCH_UPSTREAM_WORKERS', 'BENCH_LOADGEN']
    .filter((k) => process.env[k]).map((k) => `${k}=${process.env[k]}`)
  return [...env, 'node bench/run.js', ...process.argv.slice(2)].join(' ')
}

function selectCases (list) {
  if (!list) return CASES
  const ids = list.split(',').map((s) => s.trim()).filter(Boolean)
  const unknown = ids.filter((id) => !CASES.some((c) => c.id === id))
  if (unknown.length) usage(`--cases: unknown case id(s) ${unknown.join(', ')}; expected some of ${CASES.map((c) => c.id).join(', ')}`)
  return CASES.filter((c) => ids.includes(c.id))
}

function seconds (name, fallback) {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(String(raw).replace(/s$/, ''))
  if (!Number.isFinite(n) || n <= 0) usage(`${name} must be a positive number of seconds, got '${raw}'`)
  return n
}

function positiveInt (name, raw) {
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1) usage(`${name} must be a positive integer, got '${raw}'`)
  return n
}

function usage (message) {
  process.stderr.write(`bench: ${message}\n`)
  process.exit(2)
}

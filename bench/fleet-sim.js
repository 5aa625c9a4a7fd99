#!/usr/bin/env node
/**
 * A large fleet on one PostgreSQL, simulated: one process plays N shadowdiff
 * instances, each on its own connection, each flushing every second what a
 * real instance's recorder flushes (src/store/pg/pg-writer.ts, the same code):
 * the last second's aggregates for `--routes` routes (counters, both sides'
 * latency histograms, divergent field counts) added into the shared second
 * and minute rows, plus a few capped divergent examples with bodies.
 *
 *   node bench/fleet-sim.js [--instances 25,50,100,200] [--duration 30] [--routes 50]
 *                           [--examples 2] [--requests-per-second 500]
 *
 * It starts a throwaway cluster of its own (bench/lib/pg-cluster.js: fsync
 * on, synchronous_commit off), or uses BENCH_PG_URL. Each simulated instance
 * does what PgEngine does: append its flush (writePgBatch), then try to
 * compact in the background (compactPending, skipped while another
 * instance holds the compaction lock).
 * Prints, per fleet size: flushes/s done against due, flush latency
 * percentiles, rows/s, transactions/s, WAL MB/s, PostgreSQL CPU (cores) and
 * the simulator's own CPU, and whether the fleet kept up (every instance's
 * flush done within its 1 s interval at p99).
 */
import os from 'node:os'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { newAggregate } from '../dist/store/aggregates.js'
import { COUNTER_COLUMNS } from '../dist/store/schema.js'
import { writePgBatch } from '../dist/store/pg/pg-writer.js'
import { compactPending } from '../dist/store/pg/pg-compaction.js'
import { nextCompactInterval } from '../dist/store/pg/pg-engine.js'
import { migratePg } from '../dist/store/pg/pg-schema.js'
import { startPgCluster, clusterCpuSeconds } from './lib/pg-cluster.js'

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '25,50,100,200' },
    duration: { type: 'string', default: '30' },
    routes: { type: 'string', default: '50' },
    examples: { type: 'string', default: '2' },
    'requests-per-second': { type: 'string', default: '500' },
  }
})
const sizes = values.instances.split(',').map(Number)
const durationS = Number(values.duration)
const ROUTES = Number(values.routes)
const EXAMPLES = Number(values.examples)
const RPS = Number(values['requests-per-second'])
for (const [name, v] of [['--duration', durationS], ['--routes', ROUTES], ['--examples', EXAMPLES], ['--requests-per-second', RPS], ...sizes.map((s) => ['--instances', s])]) {
  if (!Number.isFinite(v) || v < 0) { console.error(`fleet-sim: ${name} must be a non-negative number, got '${v}'`); process.exit(2) }
}

const C = Object.fromEntries(COUNTER_COLUMNS.map((c, i) => [c, i]))
const BODY = Buffer.from(JSON.stringify({ id: 1, items: Array.from({ length: 40 }, (_, i) => ({ sku: `sku-${i}`, price: i * 1.25, name: `item number ${i}` })) }))

/** What one instance's recorder holds after one second at RPS requests/s over ROUTES routes. */
function secondBatch (instance, second, seq) {
  const aggregates = []
  const perRoute = Math.max(1, Math.round(RPS / ROUTES))
  for (let r = 0; r < ROUTES; r++) {
    const a = newAggregate(second, r % 5 === 0 ? 'POST' : 'GET', `/api/resource${r}/:id`)
    a.counters[C.served] = perRoute
    a.counters[C.mirrored] = perRoute
    a.counters[C.compared] = perRoute
    const divergent = r % 10 === 0 ? Math.ceil(perRoute / 20) : 0
    a.counters[C.divergent] = divergent
    a.primaryMaxUs = 40_000
    a.candidateMaxUs = 55_000
    // About eight occupied buckets per side, as a real latency spread gives.
    for (let b = 0; b < 8; b++) {
      a.primaryLatency.set(40 + b, Math.max(1, Math.round(perRoute / 8)))
      a.candidateLatency.set(42 + b, Math.max(1, Math.round(perRoute / 8)))
    }
    if (divergent > 0) for (const field of ['/total', '/items/0/price', '/updatedAt']) a.fields.set(`replace\u0000${field}`, { field, op: 'replace', count: divergent, noise: 0 })
    a.records = perRoute
    aggregates.push(a)
  }
  const details = []
  for (let e = 0; e < EXAMPLES; e++) {
    details.push({
      id: `sim-${instance}-${seq}-${e}`, at: second * 1000, method: 'GET', url: `/api/resource0/${seq}`, route: '/api/resource0/:id', signature: 'replace /total',
      primary_status: 200, candidate_status: 200, primary_latency_ms: 4.1, candidate_latency_ms: 5.2, kinds: 'body',
      fields: '[{"field":"/total","op":"replace"}]', divergences: '[{"kind":"body","ops":[{"op":"replace","path":"/total","value":2}]}]', rules: '[]',
      request_headers: '{"accept":"application/json"}', request_body: null, primary_headers: '{"content-type":"application/json"}', candidate_headers: '{"content-type":"application/json"}',
      primary_body: BODY, candidate_body: BODY, primary_content_type: 'application/json', candidate_content_type: 'application/json', compared_as: null
    })
  }
  return { aggregates, details, events: [] }
}

function percentile (sorted, p) {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)]
}

async function stats (pool) {
  const { rows: [s] } = await pool.query(`SELECT xact_commit::bigint AS commits, tup_inserted::bigint AS ins, tup_updated::bigint AS upd, deadlocks::bigint AS deadlocks,
    pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint AS wal FROM pg_stat_database WHERE datname = current_database()`)
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, Number(v)]))
}

async function runFleet (url, n, postmasterPid) {
  const clients = []
  for (let i = 0; i < n; i++) {
    const c = new pg.Client({ connectionString: url, application_name: `sim-${i}` })
    await c.connect()
    clients.push(c)
  }
  // Each instance's pool has a second connection for its background compactions.
  const compactors = []
  for (let i = 0; i < n; i++) {
    const c = new pg.Client({ connectionString: url, application_name: `sim-${i}-compact` })
    await c.connect()
    compactors.push(c)
  }
  const compacting = new Array(n).fill(false)
  const lastCompact = new Array(n).fill(0)
  const compactEvery = new Array(n).fill(1_000)
  let passes = 0
  const compactMs = []
  let compactions = 0
  let compactFailures = 0
  const pool = new pg.Pool({ connectionString: url, max: 1 })
  const latencies = []
  let due = 0
  let done = 0
  let failed = 0
  let overruns = 0
  let rows = 0
  const before = await stats(pool)
  const cpu0 = clusterCpuSeconds(postmasterPid)
  const self0 = process.cpuUsage()
  const started = Date.now()
  const endAt = started + durationS * 1000
  await Promise.all(clients.map(async (client, i) => {
    // Each instance on its own phase: a fleet's timers are not aligned.
    let next = started + Math.random() * 1000
    let seq = 0
    let pendingSeconds = []
    while (true) {
      const wait = next - Date.now()
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
      if (Date.now() >= endAt) break
      pendingSeconds.push(Math.floor(Date.now() / 1000) - 1)
      // One flush in flight per instance, as PgEngine: seconds not yet written ride along with the next.
      const batches = pendingSeconds.map((s) => secondBatch(i, s, seq++))
      pendingSeconds = []
      const batch = { aggregates: batches.flatMap((b) => b.aggregates), details: batches.flatMap((b) => b.details).slice(0, EXAMPLES * 2), events: [] }
      const t0 = performance.now()
      try {
        const w = await writePgBatch(client, batch)
        rows += w.aggregateRows + w.details
        done++
        // As PgEngine: compaction in the background, never awaited by the flush, one pass per instance at a time,
        // at most every compactEvery[i] ms (nextCompactInterval, the engine's own rule).
        if (!compacting[i] && Date.now() - lastCompact[i] >= compactEvery[i]) {
          compacting[i] = true
          lastCompact[i] = Date.now()
          const t1 = performance.now()
          compactPending(compactors[i], { wait: false }).then(({ compacted, skipped, recent }) => {
            compactions += compacted
            passes++
            compactMs.push(performance.now() - t1)
            compactEvery[i] = nextCompactInterval(compactEvery[i], compacted, compacted + skipped + recent)
          }, (err) => { compactFailures++; if (compactFailures <= 3) console.error(`fleet-sim: compaction failed: ${err.message}`) }).finally(() => { compacting[i] = false })
        }
      } catch (err) {
        failed++
        if (failed <= 3) console.error(`fleet-sim: instance ${i}: flush failed: ${err.message}`)
      }
      const ms = performance.now() - t0
      latencies.push(ms)
      next += 1000
      // A flush longer than the interval: the seconds it overran are due now.
      while (next < Date.now() && next < endAt) { next += 1000; overruns++; pendingSeconds.push(Math.floor(next / 1000) - 2) }
    }
  }))
  const elapsed = (Date.now() - started) / 1000
  // Every tick that came due: flushed, failed, or overrun (merged into the next flush, as PgEngine merges).
  due = done + failed + overruns
  // What is still pending at the end: how far compaction lags behind the fleet's flushes.
  const { rows: [backlog] } = await pool.query('SELECT (SELECT count(*) FROM pending_counters)::int AS n')
  while (compacting.some(Boolean)) await new Promise((r) => setTimeout(r, 20))
  const cpu = clusterCpuSeconds(postmasterPid) - cpu0
  const self = process.cpuUsage(self0)
  const after = await stats(pool)
  await pool.end()
  await Promise.all([...clients, ...compactors].map((c) => c.end()))
  latencies.sort((a, b) => a - b)
  compactMs.sort((a, b) => a - b)
  return {
    n,
    elapsed,
    due,
    done,
    failed,
    overruns,
    flushesPerS: done / elapsed,
    p50: percentile(latencies, 0.5),
    p95: percentile(latencies, 0.95),
    p99: percentile(latencies, 0.99),
    max: latencies.at(-1),
    rowsPerS: rows / elapsed,
    commitsPerS: (after.commits - before.commits) / elapsed,
    tuplesPerS: (after.ins + after.upd - before.ins - before.upd) / elapsed,
    walMBps: (after.wal - before.wal) / elapsed / 1e6,
    deadlocks: after.deadlocks - before.deadlocks,
    pgCores: cpu / elapsed,
    simCores: (self.user + self.system) / 1e6 / elapsed,
    compactionsPerS: compactions / elapsed,
    passesPerS: passes / elapsed,
    compactP50: percentile(compactMs, 0.5),
    compactP99: percentile(compactMs, 0.99),
    compactFailures,
    backlog: backlog.n
  }
}

const cluster = await startPgCluster({ maxConnections: Math.max(...sizes) * 2 + 20 })
const url = cluster.url
try {
  const setup = new pg.Pool({ connectionString: url, max: 2 })
  await migratePg(setup, url)
  const { rows: [{ server_version: version }] } = await setup.query('SHOW server_version')
  await setup.end()
  const postmasterPid = cluster.postmasterPid()
  console.log(`fleet-sim: PostgreSQL ${version} (${cluster.version === 'external' ? 'BENCH_PG_URL' : 'throwaway cluster: fsync on, synchronous_commit off'}) · ${os.cpus().length} CPUs (${os.cpus()[0].model}) · Node ${process.version} · load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`)
  console.log(`fleet-sim: per instance and second: ${ROUTES} routes × ~${Math.round(RPS / ROUTES)} requests, 8+8 latency buckets per route, 3 divergent fields on every 10th route, ${EXAMPLES} divergent examples of ${BODY.length} B bodies ×2; ${durationS} s per fleet size`)
  const results = []
  for (const n of sizes) {
    const r = await runFleet(url, n, postmasterPid)
    results.push(r)
    console.log(`fleet-sim: ${n} instances: ${r.flushesPerS.toFixed(1)} flushes/s of ${(r.due / r.elapsed).toFixed(1)} due, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, PostgreSQL ${r.pgCores.toFixed(2)} cores`)
  }
  const fmt = (v, d = 0) => Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : '—'
  console.log('\n| instances | flushes/s (due) | flush p50 ms | p95 | p99 | max | rows/s | commits/s | tuples/s | WAL MB/s | compaction passes/s (parts/s) | pass p50 / p99 ms | pending at end | PostgreSQL CPU (cores) | simulator CPU | overruns | failed | deadlocks | kept up (p99 < 1 s) |')
  console.log('|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|')
  for (const r of results) {
    console.log(`| ${r.n} | ${fmt(r.flushesPerS, 1)} (${fmt(r.due / r.elapsed, 1)}) | ${fmt(r.p50, 1)} | ${fmt(r.p95, 1)} | ${fmt(r.p99, 1)} | ${fmt(r.max, 0)} | ${fmt(r.rowsPerS)} | ${fmt(r.commitsPerS)} | ${fmt(r.tuplesPerS)} | ${fmt(r.walMBps, 2)} | ${fmt(r.passesPerS, 1)} (${fmt(r.compactionsPerS, 0)}) | ${fmt(r.compactP50, 1)} / ${fmt(r.compactP99, 1)} | ${r.backlog} | ${fmt(r.pgCores, 2)} | ${fmt(r.simCores, 2)} | ${r.overruns} | ${r.failed + r.compactFailures} | ${r.deadlocks} | ${r.p99 < 1000 && r.failed === 0 && r.compactFailures === 0 ? 'yes' : 'no'} |`)
  }
} finally {
  cluster?.stop()
}

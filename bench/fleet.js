// Fleet benchmark: 1, 2 and 4 `shadowdiff serve` instances at full load,
// writing into one shared PostgreSQL database, against the same instances
// each writing its own SQLite file. Not a test: run it and read the table.
//
//   npx tsc -p tsconfig.build.json && node bench/fleet.js [--duration 10] [--instances 1,2,4] [--connections 64]
//
// Workload: 50 routes (/api/r<k>/<n>, cycled by wrk; autocannon when wrk is
// missing runs one path), a primary and an identical candidate
// (bench/upstreams.js same), every request mirrored and compared. Each
// instance gets its share of the connections. Printed per case: the
// clients' requests/s, the exchanges compared per second by the whole
// fleet, and the rows its stores wrote per second (aggregate rows upserted,
// examples and events inserted: /api/status store.rowsWritten). After each
// case the instances stop (final flush) and the bench checks that the store
// holds every exchange they compared, so a fast-but-wrong store cannot win.
//
// PostgreSQL: a throwaway cluster (bench/lib/pg-cluster.js; fsync on,
// synchronous_commit off) or BENCH_PG_URL. Everything shares this machine's
// cores: the instances, PostgreSQL, the upstreams and the load generator.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { freePort, startProcess, waitForHttp } from './lib/proc.js'
import { loadGenerator } from './lib/load.js'
import { machineInfo } from './lib/machine.js'
import { startPgCluster } from './lib/pg-cluster.js'
import { ROOT, shadowdiffUnavailable } from './lib/shadowdiff.js'
import { readReport } from '../dist/report/read-report.js'

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    instances: { type: 'string', default: '1,2,4' },
    connections: { type: 'string', default: '64' }
  }
})
const DURATION_S = Number(values.duration)
const COUNTS = values.instances.split(',').map(Number)
const CONNECTIONS = Number(values.connections)
const PATHS = Array.from({ length: 200 }, (_, i) => `/api/r${i % 50}/${1000 + i}`)

const missing = shadowdiffUnavailable()
if (missing) {
  console.error(`bench/fleet.js: ${missing}`)
  process.exit(2)
}

async function startInstance (name, primary, candidate, db, dir) {
  const port = await freePort()
  const adminPort = await freePort()
  const proc = await startProcess(name, process.execPath, [
    join(ROOT, 'bin', 'shadowdiff.js'), 'serve', '--primary', primary, '--candidate', candidate,
    '--port', String(port), '--admin-port', String(adminPort), '--db', db, '--log-level', 'warn'
  ], { cwd: dir, readyUrl: `http://127.0.0.1:${adminPort}/api/status`, timeoutMs: 30_000 })
  await waitForHttp(`http://127.0.0.1:${port}/`)
  return Object.assign(proc, { port, adminPort })
}

/** GET /api/status, retried: on a saturated machine one answer may take long. */
async function status (proc) {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(`http://127.0.0.1:${proc.adminPort}/api/status`, { signal: AbortSignal.timeout(10_000) })
      return await res.json()
    } catch (err) {
      if (attempt >= 5) throw new Error(`${proc.name}: GET /api/status failed ${attempt} times: ${err.message}`, { cause: err })
    }
  }
}

/** Statuses once every instance has nothing in flight and its counts stopped moving. */
async function settled (fleet) {
  let last = null
  for (let i = 0; i < 100; i++) {
    const now = await Promise.all(fleet.map(status))
    const idle = now.every((s) => s.inFlight + s.queued + s.compareQueued + s.compareHeld === 0)
    if (idle && last && now.every((s, j) => s.compared === last[j].compared)) return now
    last = now
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return last
}

async function createDatabase (url, name) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name}`)
    await client.query(`CREATE DATABASE ${name}`)
  } finally {
    await client.end()
  }
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

async function runCase (engine, n, ctx) {
  const dir = mkdtempSync(join(tmpdir(), `shadowdiff-bench-fleet-${engine}-${n}-`))
  const url = engine === 'postgres' ? await createDatabase(ctx.pg.url, `fleet_${n}`) : null
  const dbs = Array.from({ length: n }, (_, i) => url ?? join(dir, `instance-${i}.db`))
  const fleet = []
  for (let i = 0; i < n; i++) fleet.push(await startInstance(`${engine}-${i}`, ctx.primary, ctx.candidate, dbs[i], dir))
  try {
    const connections = Math.max(4, Math.floor(CONNECTIONS / n))
    const before = await Promise.all(fleet.map(status))
    // The same paths, rotated per instance: wrk's script file is named by its paths, and concurrent runs must not rewrite one another's.
    const pathsOf = (i) => [...PATHS.slice(i), ...PATHS.slice(0, i)]
    const loads = await Promise.all(fleet.map((p, i) => ctx.load.run(`http://127.0.0.1:${p.port}`, { durationS: DURATION_S, connections, threads: 1, paths: pathsOf(i) })))
    const during = await Promise.all(fleet.map(status))
    // Mirrors still in flight when the load stopped settle before the totals are read.
    const after = await settled(fleet)
    const sum = (list, f) => list.reduce((s, x) => s + f(x), 0)
    const compared = sum(during, (s) => s.compared) - sum(before, (s) => s.compared)
    const rows = sum(during, (s) => s.store.rowsWritten) - sum(before, (s) => s.store.rowsWritten)
    const lost = sum(after, (s) => s.store.lost)
    const totalCompared = sum(after, (s) => s.compared)
    await Promise.all(fleet.map((p) => p.stop(15_000)))
    const stored = (await readReport(url ? [url] : dbs)).totals.compared
    return {
      engine,
      n,
      rps: sum(loads, (l) => l.rps),
      p99: Math.max(...loads.map((l) => l.p99Ms)),
      errors: sum(loads, (l) => l.non2xx + l.socketErrors),
      exchangesPerS: compared / DURATION_S,
      rowsPerS: rows / DURATION_S,
      lost,
      check: stored === totalCompared ? 'ok' : `store holds ${stored}, instances compared ${totalCompared}`
    }
  } finally {
    await Promise.all(fleet.map((p) => p.stop(1000)))
  }
}

const load = loadGenerator()
const primaryProc = await startProcess('primary', process.execPath, [join(ROOT, 'bench', 'upstreams.js'), 'same'], { readyLine: true })
const candidateProc = await startProcess('candidate', process.execPath, [join(ROOT, 'bench', 'upstreams.js'), 'same'], { readyLine: true })
const pgCluster = await startPgCluster()
const ctx = { primary: `http://127.0.0.1:${primaryProc.port}`, candidate: `http://127.0.0.1:${candidateProc.port}`, load, pg: pgCluster }
const m = machineInfo()
console.log(`# bench/fleet.js — ${new Date().toISOString()}`)
console.log(`${m.nproc} cores (${m.model}), ${m.memGb.toFixed(1)} GiB, ${m.kernel}, Node ${m.node}, load ${m.loadavg}; ${load.version}; ${pgCluster.version}`)
console.log(`${DURATION_S} s per case, ${CONNECTIONS} connections split over the instances, ${PATHS.length} paths on 50 routes\n`)
console.log('| store | instances | client req/s | exchanges/s | rows/s | p99 ms | errors | lost | store check |')
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |')
try {
  for (const engine of ['sqlite', 'postgres']) {
    for (const n of COUNTS) {
      const r = await runCase(engine, n, ctx)
      console.log(`| ${r.engine} | ${r.n} | ${Math.round(r.rps)} | ${Math.round(r.exchangesPerS)} | ${Math.round(r.rowsPerS)} | ${r.p99.toFixed(1)} | ${r.errors} | ${r.lost} | ${r.check} |`)
    }
  }
} finally {
  await primaryProc.stop()
  await candidateProc.stop()
  pgCluster.stop()
}

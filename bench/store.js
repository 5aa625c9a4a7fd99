// Store benchmark: how many compared exchanges per second the recorder takes
// in, flushes included, against two rival write strategies.
//
//   npx tsc -p tsconfig.build.json && node bench/store.js [exchanges]
//
// Workload: 20 routes over 5 minutes of traffic, 98 % equal exchanges and
// 2 % divergent (a JSON body field or a status), latencies spread over
// 1–200 ms; then the same with every exchange divergent (a broken candidate),
// where per-minute example sampling keeps the write volume bounded. Each exchange is counted as served and mirrored, then recorded
// as compared — three recorder calls, like the proxy makes. The recorder
// flushes every 20,000 exchanges (about 0.1 s of traffic at the goal rate),
// as its 1 s timer would under load. After each run the bench checks the
// written totals, so a fast-but-wrong store cannot win.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Sqlite from 'better-sqlite3'
import { openDatabase } from '../dist/store/open-database.js'
import { Recorder } from '../dist/store/recorder.js'
import { buildReport } from '../dist/report/build-report.js'

const N = Number(process.argv[2] ?? 300_000)
const FLUSH_EVERY = 20_000
const T0 = Date.UTC(2025, 0, 1, 12, 0, 0)
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shadowdiff-bench-'))

/**
 * A pool of exchanges reused round-robin, each stamped with a fresh id and
 * time before it is recorded: in the proxy an exchange is short-lived, and a
 * heap holding N live exchanges would measure the garbage collector instead.
 */
function makeExchanges(n, divergentEvery) {
  const body = Buffer.from(JSON.stringify({ id: 1, name: 'Ada', items: [{ sku: 'a', price: 10 }, { sku: 'b', price: 12 }] }))
  const out = new Array(n)
  let seed = 42
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
  for (let i = 0; i < n; i++) {
    // 50 consecutive exchanges per route, the first of each 50 divergent.
    const r = Math.floor(i / 50) % 20
    const divergent = i % divergentEvery === 0
    out[i] = {
      id: `bench-${i}`,
      at: T0 + Math.floor((i / n) * 300_000),
      request: { method: r < 15 ? 'GET' : 'POST', url: `/api/r${r}/${i}?page=2`, path: `/api/r${r}/${i}`, query: 'page=2', headers: { host: 'h', authorization: 'Bearer x' } },
      requestBody: null,
      route: `/api/r${r}/:id`,
      primary: { ok: true, status: 200, headers: { 'content-type': 'application/json' }, body, size: body.length, complete: true, latencyMs: 1 + rand() * 100 },
      candidate: { ok: true, status: divergent && i % 100 === 0 ? 500 : 200, headers: { 'content-type': 'application/json' }, body, size: body.length, complete: true, latencyMs: 1 + rand() * 200 },
      divergences: !divergent
        ? []
        : i % 100 === 0
          ? [{ kind: 'status', primary: 200, candidate: 500 }]
          : [{ kind: 'body', ops: [{ op: 'replace', path: `/items/${i % 2}/price`, value: 11 }] }],
      rules: [],
    }
  }
  return out
}

let runs = 0
function fresh(name) {
  return path.join(dir, `${name}-${++runs}.db`)
}

function runRecorder(w) {
  const file = fresh('recorder')
  const recorder = new Recorder(openDatabase(file), { flushIntervalMs: 0, maxPending: 100_000 })
  const start = process.hrtime.bigint()
  for (let i = 0; i < w.length; i++) {
    const ex = w.at(i)
    recorder.count(ex.at, ex.request.method, ex.route, 'served')
    recorder.count(ex.at, ex.request.method, ex.route, 'mirrored')
    recorder.recordCompared(ex)
    if ((i + 1) % FLUSH_EVERY === 0) recorder.flush()
  }
  recorder.close()
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  const stats = recorder.stats()
  const report = buildReport([file], { examplesPerEndpoint: 1 })
  check(report.totals.compared === w.length && report.totals.served === w.length, 'recorder totals')
  check(report.totals.divergent === w.divergent && stats.lost === 0 && stats.lostDetails === 0, 'recorder divergent and nothing lost')
  // Stored examples are capped per (route, field set): default 500.
  const stored = listCount(file)
  check(stored > 0 && stored <= w.divergent, 'stored examples within the caps')
  return { seconds, file, flushes: stats.flushes }
}

/** A rival's database: a fresh file with the recorder's pragmas (WAL, synchronous NORMAL) and one table `ex`. */
function rivalDatabase(name, columns) {
  const file = fresh(name)
  const db = new Sqlite(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.exec(`CREATE TABLE ex (${columns.join(', ')})`)
  const insert = db.prepare(`INSERT INTO ex VALUES (${columns.map(() => '?').join(', ')})`)
  return { file, db, insert }
}

/** Rival: one row per exchange, but batched in the same transactions. */
function runRowPerExchange(w) {
  const { file, db, insert } = rivalDatabase('row-per-exchange', [
    'id TEXT PRIMARY KEY', 'at INTEGER', 'method TEXT', 'route TEXT', 'primary_status INTEGER',
    'candidate_status INTEGER', 'primary_ms REAL', 'candidate_ms REAL', 'divergences TEXT'
  ])
  const write = db.transaction((batch) => {
    for (const ex of batch) {
      insert.run(ex.id, ex.at, ex.request.method, ex.route, ex.primary.status, ex.candidate.status, ex.primary.latencyMs, ex.candidate.latencyMs, ex.divergences.length ? JSON.stringify(ex.divergences) : null)
    }
  })
  const start = process.hrtime.bigint()
  let batch = []
  for (let i = 0; i < w.length; i++) {
    const ex = w.at(i)
    batch.push({ id: ex.id, at: ex.at, request: ex.request, route: ex.route, primary: ex.primary, candidate: ex.candidate, divergences: ex.divergences })
    if (batch.length === FLUSH_EVERY) {
      write(batch)
      batch = []
    }
  }
  write(batch)
  db.close()
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  check(listCount(file, 'ex') === w.length, 'one row per exchange')
  return { seconds, file }
}

/** Rival: one autocommit INSERT per exchange, what "never one write per request" forbids. */
function runWritePerRequest(w) {
  const { file, db, insert } = rivalDatabase('write-per-request', ['id TEXT PRIMARY KEY', 'at INTEGER', 'route TEXT', 'divergences TEXT'])
  const start = process.hrtime.bigint()
  for (let i = 0; i < w.length; i++) {
    const ex = w.at(i)
    insert.run(ex.id, ex.at, ex.route, ex.divergences.length ? JSON.stringify(ex.divergences) : null)
  }
  db.close()
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  return { seconds, file }
}

function listCount(file, table = 'exchanges') {
  const db = new Sqlite(file, { readonly: true })
  const n = db.prepare(`SELECT count(*) AS n FROM ${table}`).get().n
  db.close()
  return n
}

function check(ok, what) {
  if (!ok) {
    console.error(`bench/store.js: wrong result: ${what}`)
    process.exit(1)
  }
}

function size(file) {
  return fs.existsSync(file) ? fs.statSync(file).size : 0
}

/** `n` exchanges, one in `every` divergent, taken round-robin from a pool and restamped. */
function workload(n, every = 50) {
  const pool = makeExchanges(1000, every)
  const at = (i) => {
    const ex = pool[i % pool.length]
    ex.id = `bench-${i}`
    ex.at = T0 + Math.floor((i / n) * 300_000)
    return ex
  }
  return { length: n, at, divergent: Math.ceil(n / every) }
}
// Warm up the JIT and SQLite on a small run first.
runRecorder(workload(20_000))
const small = Math.min(N, 30_000)
const rows = [
  ['recorder (aggregates + divergent details, 1 txn per flush)', N, runRecorder(workload(N))],
  ['recorder, broken candidate (100 % divergent)', N, runRecorder(workload(N, 1))],
  ['row per exchange, 1 txn per flush', N, runRowPerExchange(workload(N))],
  ['one INSERT per request (autocommit)', small, runWritePerRequest(workload(small))],
]
console.log(`node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), database in ${os.tmpdir()}`)
console.log(`${N} exchanges per run (2 % divergent unless noted), 20 routes, flush every ${FLUSH_EVERY}\n`)
console.log('| strategy | exchanges | seconds | exchanges/s | file size |')
console.log('|---|---:|---:|---:|---:|')
for (const [name, n, r] of rows) {
  console.log(`| ${name} | ${n} | ${r.seconds.toFixed(3)} | ${Math.round(n / r.seconds).toLocaleString('en-US')} | ${(size(r.file) / 1024 / 1024).toFixed(1)} MiB |`)
}
fs.rmSync(dir, { recursive: true, force: true })

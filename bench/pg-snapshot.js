// What a fleet read costs: readers over PostgreSQL copy the rows of their
// window into a private SQLite snapshot (src/store/pg/pg-snapshot.ts) and run
// the report on it. This fills a database as a day of a busy fleet would
// (24 h × 50 routes of minute rows, the last 2 h of second rows, 3,000
// divergent examples) and times readReport over a few windows.
//
//   npx tsc -p tsconfig.build.json && node bench/pg-snapshot.js
import pg from 'pg'
import { startPgCluster } from './lib/pg-cluster.js'
import { machineInfo } from './lib/machine.js'
import { openPgEngine } from '../dist/store/pg/pg-engine.js'
import { readReport } from '../dist/report/read-report.js'
import { withReadableSources } from '../dist/store/pg/readable-sources.js'

const ROUTES = 50
const HOURS = 24
const SECOND_HOURS = 2
const EXCHANGES = 3000

const cluster = await startPgCluster()
const admin = new pg.Client({ connectionString: cluster.url })
await admin.connect()
await admin.query('DROP DATABASE IF EXISTS snap')
await admin.query('CREATE DATABASE snap')
await admin.end()
const u = new URL(cluster.url)
u.pathname = '/snap'
const url = u.toString()
const engine = await openPgEngine(url)
await engine.close()

const now = Math.floor(Date.now() / 60_000) * 60_000
const m1 = now / 60_000
const m0 = m1 - HOURS * 60
const s1 = now / 1000
const s0 = s1 - SECOND_HOURS * 3600
const db = new pg.Client({ connectionString: url })
await db.connect()
const t0 = performance.now()
// 40 non-empty buckets per histogram, as (bucket, count) pairs (pg-schema.ts).
const buckets = `(SELECT array_agg(e.v ORDER BY i, e.o) FROM generate_series(150, 189) AS i, LATERAL (VALUES (1, i::bigint), (2, (i % 7 + 1)::bigint)) AS e(o, v))`
for (const [unit, from, to, prefix] of [['minute', m0, m1, ''], ['second', s0, s1, 'second_']]) {
  const keys = `FROM generate_series(${from}, ${to - 1}) AS k, generate_series(0, ${ROUTES - 1}) AS r`
  await db.query(`INSERT INTO ${prefix}counters (${unit}, method, route, served, mirrored, compared, divergent, primary_max_us, candidate_max_us)
    SELECT k, 'GET', '/api/r' || r || '/:id', 100, 100, 100, 2, 90000, 120000 ${keys}`)
  await db.query(`INSERT INTO ${prefix}latency (${unit}, method, route, side, buckets)
    SELECT k, 'GET', '/api/r' || r || '/:id', side, ${buckets} ${keys}, (VALUES ('primary'), ('candidate')) AS s(side)`)
  await db.query(`INSERT INTO ${prefix}fields (${unit}, method, route, field, op, count, noise_count)
    SELECT k, 'GET', '/api/r' || r || '/:id', f, 'replace', 1, 0 ${keys}, (VALUES ('/items/*/price'), ('/updatedAt')) AS x(f)`)
}
const body = JSON.stringify({ id: 1, items: Array.from({ length: 20 }, (_, i) => ({ sku: `s${i}`, price: i * 1.5 })) })
await db.query(`INSERT INTO exchanges (id, at, method, url, route, signature, primary_status, candidate_status, primary_latency_ms, candidate_latency_ms,
    kinds, fields, divergences, rules, request_headers, primary_headers, candidate_headers, primary_body, candidate_body, primary_content_type, candidate_content_type)
  SELECT 'ex-' || i, ${now} - (i * ${Math.floor((HOURS * 3_600_000) / EXCHANGES)}), 'GET', '/api/r' || (i % ${ROUTES}) || '/' || i, '/api/r' || (i % ${ROUTES}) || '/:id', 'sig',
    200, 200, 10, 12, 'body', '[{"field":"/items/*/price","op":"replace"}]', '[{"kind":"body","ops":[{"op":"replace","path":"/items/0/price","value":2}]}]', '[]',
    '{"host":"h"}', '{"content-type":"application/json"}', '{"content-type":"application/json"}', convert_to($1, 'UTF8'), convert_to($1, 'UTF8'), 'application/json', 'application/json'
  FROM generate_series(1, ${EXCHANGES}) AS i`, [body])
await db.query('ANALYZE')
const filled = performance.now() - t0
const counts = (await db.query(`SELECT (SELECT count(*) FROM counters) + (SELECT count(*) FROM latency) + (SELECT count(*) FROM fields) AS minute_rows,
  (SELECT count(*) FROM second_counters) + (SELECT count(*) FROM second_latency) + (SELECT count(*) FROM second_fields) AS second_rows,
  pg_size_pretty(pg_database_size('snap')) AS size`)).rows[0]
await db.end()

const m = machineInfo()
console.log(`# bench/pg-snapshot.js — ${new Date().toISOString()}`)
console.log(`${m.nproc} cores (${m.model}), Node ${m.node}, load ${m.loadavg}; ${cluster.version}`)
console.log(`store: ${counts.minute_rows} minute rows (${HOURS} h × ${ROUTES} routes), ${counts.second_rows} second rows (${SECOND_HOURS} h), ${EXCHANGES} examples, ${counts.size}; filled in ${(filled / 1000).toFixed(1)} s\n`)
console.log('| window | rows copied (minute / second / examples) | snapshot + report ms (median of 3) |')
console.log('| --- | --- | ---: |')
const windows = [
  ['last 15 m, edges to the second', { since: now - 15 * 60_000 + 17_300, until: now - 4_200 }],
  ['last 1 h, edges to the second', { since: now - 3_600_000 + 29_000, until: now - 1_000 }],
  ['last 24 h (whole minutes)', { since: now - 24 * 3_600_000, until: now }],
  ['everything (no window)', {}]
]
for (const [name, w] of windows) {
  const times = []
  let copied
  for (let i = 0; i < 3; i++) {
    const t = performance.now()
    await readReport([url], { ...w, thresholds: { minSamples: 10 } })
    times.push(performance.now() - t)
    copied = await withReadableSources([url], w, (r) => r.copied)
  }
  times.sort((a, b) => a - b)
  console.log(`| ${name} | ${copied.minuteRows} / ${copied.secondRows} / ${copied.exchanges} | ${Math.round(times[1])} |`)
}
cluster.stop()

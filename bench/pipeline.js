// Pipeline benchmark: what one mirrored exchange costs AFTER its I/O, on the
// proxy's event loop — settling both sides, the comparison, noise stage,
// recorder aggregates, metrics — with no sockets involved. The proxy bench
// (bench/run.js) measures everything together; this one isolates the part
// that is our own code, so a change to it shows up above the noise of a
// shared machine.
//
//   npx tsc -p tsconfig.build.json && node bench/pipeline.js [exchanges]
//
// Bodies are the proxy bench's 0.5 KB JSON (bench/lib/payload.js): identical,
// then with one field changed (every exchange divergent and recorded).
import { mkdtempSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { buildApp } from '../dist/app.js'
import { validateConfig } from '../dist/config.js'
import { PendingExchange } from '../dist/mirror/pending-exchange.js'
import { PAYLOAD, PAYLOAD_DIFFERENT } from './lib/payload.js'

const N = Number(process.argv[2] ?? 100_000)
const ROUNDS = 4
const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-bench-pipeline-'))
mkdirSync(join(dir, 'rules'))

const request = { method: 'GET', url: '/orders/1', path: '/orders/1', query: '', headers: { host: 'bench', 'user-agent': 'wrk' } }
const headers = () => ({ 'content-type': 'application/json', 'content-length': String(PAYLOAD.length), date: new Date().toUTCString() })

async function run (label, candidateBody) {
  const config = validateConfig({ primary: 'http://127.0.0.1:1', candidate: 'http://127.0.0.1:2', db: join(dir, `${label}.db`), port: 0, adminPort: 0, rules: join(dir, 'rules') })
  const app = buildApp(config, { logger: pino({ level: 'silent' }) })
  const rules = app.rules.current()
  const one = (i) => {
    const at = Date.now()
    const match = rules.match(request)
    app.stats.onServed(at, 'GET', match.route)
    const ex = new PendingExchange(`id-${i}`, at, request, null, match, ['host', 'bench', 'x-shadowdiff-mirror', 'shadow'], ['candidate'], app.compare.accept)
    app.stats.onMirrored(ex)
    ex.settle('primary', { ok: true, status: 200, headers: headers(), body: Buffer.from(PAYLOAD), size: PAYLOAD.length, complete: true, latencyMs: 1.2 })
    ex.settle('candidate', { ok: true, status: 200, headers: headers(), body: Buffer.from(candidateBody), size: candidateBody.length, complete: true, latencyMs: 1.3 })
  }
  const results = []
  for (let r = 0; r < ROUNDS; r++) {
    const t = process.hrtime.bigint()
    for (let i = 0; i < N; i++) {
      one(i)
      // Like the proxy: the compare stage runs on a later turn, in batches.
      if (i % 256 === 255) await app.compare.drain()
    }
    await app.compare.drain()
    app.recorder.flush()
    results.push(Number(process.hrtime.bigint() - t) / N / 1000)
  }
  if (app.stats.compared !== N * ROUNDS) throw new Error(`${label}: compared ${app.stats.compared}, expected ${N * ROUNDS}`)
  const expectDivergent = candidateBody === PAYLOAD ? 0 : N * ROUNDS
  if (app.stats.divergent !== expectDivergent) throw new Error(`${label}: divergent ${app.stats.divergent}, expected ${expectDivergent}`)
  await app.close({ graceMs: 1000 })
  // The first round warms the JIT up; report the median of the others.
  const rest = results.slice(1).sort((a, b) => a - b)
  return { label, median: rest[rest.length >> 1], rounds: results }
}

console.log(`pipeline: ${N} exchanges × ${ROUNDS} rounds, Node ${process.version}`)
console.log('| exchanges | µs per exchange (median of rounds 2–4) | rounds |')
console.log('|---|--:|---|')
for (const r of [await run('identical', PAYLOAD), await run('every one divergent', PAYLOAD_DIFFERENT)]) {
  console.log(`| ${r.label} | ${r.median.toFixed(2)} | ${r.rounds.map((x) => x.toFixed(2)).join(' ')} |`)
}

#!/usr/bin/env node
/**
 * Noise-stage benchmark: the compare stage's work per exchange without and
 * with the noise canceller, side by side, on the same responses.
 *
 *   npx tsc -p tsconfig.build.json && node bench/noise.js
 *
 * Cases (each: compareResponses, then NoiseCanceller.cancel when "+ noise"):
 * - equal, no secondary: byte-identical primary and candidate (the common case);
 * - equal, equal secondary: the same with a byte-identical secondary answer;
 * - noisy, secondary: a ~2 KB body with a fresh UUID, timestamp, token,
 *   shuffled list and float jitter in every response, secondary answered;
 * - noisy, learned only: the same without a secondary answer.
 * Every case checks its result before it is timed (no divergence left).
 */
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import { randomBytes, randomUUID } from 'node:crypto'

const { compareResponses } = await import('../dist/diff/compare-responses.js')
const { DEFAULT_POLICY } = await import('../dist/diff/default-policy.js')
const { NoiseCanceller } = await import('../dist/noise/noise-canceller.js')

const response = (doc, headers = {}) => {
  const body = Buffer.from(JSON.stringify(doc))
  return { ok: true, status: 200, headers: { 'content-type': 'application/json', ...headers }, body, size: body.length, complete: true, latencyMs: 1 }
}
const shuffle = (l) => [...l].sort(() => Math.random() - 0.5)
const noisy = () =>
  response(
    {
      id: 7,
      requestId: randomUUID(),
      generatedAt: new Date(Date.now() + Math.round(Math.random() * 10)).toISOString(),
      token: randomBytes(16).toString('base64url'),
      tags: shuffle(['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta']),
      score: 0.5 + Math.random() * 0.01,
      items: Array.from({ length: 12 }, (_, i) => ({ id: i, sku: `SKU-${i}`, name: `Item number ${i}`, price: 10 * i + 0.99 })),
    },
    { etag: `"${randomBytes(16).toString('hex')}"` },
  )
const exchange = (primary, candidate, secondary) => ({
  id: 'x', at: Date.now(), request: { method: 'GET', url: '/r/1', path: '/r/1', query: '', headers: {} }, requestBody: null, route: '/r/:id', primary, candidate, secondary,
})

const equal = response({ id: 7, items: Array.from({ length: 40 }, (_, i) => ({ id: i, name: `Item number ${i}` })) })
const pool = Array.from({ length: 64 }, noisy)
let k = 0
const next = () => pool[k++ % pool.length]

const withSecondary = new NoiseCanceller({ secondary: true })
const learnedOnly = new NoiseCanceller({ secondary: true })
for (let i = 0; i < 200; i++) learnedOnly.cancel(exchange(next(), next(), next()), DEFAULT_POLICY, compareResponses(pool[0], pool[1], DEFAULT_POLICY))

const cases = {
  'equal, no secondary': [() => exchange(equal, equal), new NoiseCanceller({ secondary: false })],
  'equal, equal secondary': [() => exchange(equal, equal, equal), new NoiseCanceller({ secondary: true })],
  'noisy, secondary': [() => exchange(next(), next(), next()), withSecondary],
  'noisy, learned only': [() => exchange(next(), next()), learnedOnly],
}

function run(make, canceller) {
  const ex = make()
  const d = compareResponses(ex.primary, ex.candidate, DEFAULT_POLICY)
  return canceller ? canceller.cancel(ex, DEFAULT_POLICY, d).divergences : d
}

function measure(fn, ms = Number(process.env.BENCH_MS ?? 300)) {
  let best = Infinity
  for (let r = 0; r < 5; r++) {
    let n = 0
    const end = performance.now() + ms
    const start = performance.now()
    while (performance.now() < end) {
      for (let i = 0; i < 50; i++) fn()
      n += 50
    }
    best = Math.min(best, ((performance.now() - start) * 1e3) / n)
  }
  return best
}

const rows = []
for (const [name, [make, canceller]] of Object.entries(cases)) {
  for (let i = 0; i < 50; i++) {
    const left = run(make, canceller)
    if (left.length > 0) throw new Error(`${name}: noise left as divergences: ${JSON.stringify(left).slice(0, 200)}`)
  }
  const bare = measure(() => run(make, null))
  const noise = measure(() => run(make, canceller))
  rows.push(`| ${name} | ${bare.toFixed(1)} µs | ${noise.toFixed(1)} µs | ${(noise / bare).toFixed(2)}× |`)
}
console.log(`Node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`)
console.log('| case | compare only | compare + noise | ratio |\n|---|---:|---:|---:|')
console.log(rows.join('\n'))

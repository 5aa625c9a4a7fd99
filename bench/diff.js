#!/usr/bin/env node
/**
 * Diff benchmark: shadowdiff's rule-aware compareResponses against raw
 * fast-json-patch `compare`, side by side on the same 1/10/100 KB pairs.
 *
 *   npx tsc -p tsconfig.build.json && node bench/diff.js
 *
 * Rows:
 * - raw parse+compare: JSON.parse both bodies, fast-json-patch compare (what
 *   any JSON diffing proxy must at least do: the baseline of the issue);
 * - raw compare only: documents already parsed (for reference);
 * - shadowdiff, no rules: compareResponses with DEFAULT_POLICY;
 * - shadowdiff, 10 rules: compareResponses with the merged policy of 10
 *   matching rules (ignore, `**`, keyed, unordered, tolerance, ...);
 * - identical bytes: compareResponses on equal bodies (the fast path);
 * - JSON diff only: the rule-aware diff on pre-parsed documents, its ratio
 *   taken against raw compare on the same pre-parsed documents;
 * - RuleSet.match: finding and merging the 10 rules for one request.
 * Ratio = time per op / raw parse+compare time per op (unless stated).
 */
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import fjp from 'fast-json-patch'
import { RULES_YAML, makePair, expectedOps } from './diff-workloads.js'

const { compileRules } = await import('../dist/rules/load-rules.js')
const { compareResponses } = await import('../dist/diff/compare-responses.js')
const { DEFAULT_POLICY } = await import('../dist/diff/default-policy.js')
const { diffJson } = await import('../dist/diff/json-diff.js')

const loadAtStart = os.loadavg().map((l) => l.toFixed(1)).join(' ')
const rules = compileRules([{ file: 'bench.yaml', text: RULES_YAML }])
const req = { method: 'GET', url: '/api/items', path: '/api/items', query: '', headers: {} }
const match = rules.match(req)
const other = { ...req, url: '/api/orders/42', path: '/api/orders/42' }
if (match.rules.length !== 10) throw new Error(`expected 10 matching rules, got ${match.rules.length}`)

const response = (doc) => {
  const body = Buffer.from(JSON.stringify(doc))
  return { ok: true, status: 200, headers: { 'content-type': 'application/json' }, body, size: body.length, complete: true, latencyMs: 1 }
}

/**
 * ns per call of each case: ROUNDS rounds, cases interleaved within a round,
 * best round kept. The machine is shared, so the minimum is the least
 * disturbed estimate, and interleaving exposes every case to the same load.
 */
function measureAll(cases, ms = Number(process.env.BENCH_MS ?? 300), rounds = Number(process.env.BENCH_ROUNDS ?? 7)) {
  const best = Object.fromEntries(Object.keys(cases).map((k) => [k, Infinity]))
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(cases)) {
      let n = 0
      let batch = 1
      const t0 = performance.now()
      let elapsed = 0
      while (elapsed < ms) {
        for (let i = 0; i < batch; i++) fn()
        n += batch
        batch = Math.min(batch * 2, 4096)
        elapsed = performance.now() - t0
      }
      best[name] = Math.min(best[name], (elapsed * 1e6) / n)
    }
  }
  return best
}

const fmt = (ns) => (ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(2)} µs` : `${ns.toFixed(0)} ns`)
const rows = []
let sink = 0
for (const kb of [1, 10, 100]) {
  const { primary, candidate } = makePair(kb)
  const p = response(primary)
  const c = response(candidate)
  const same = response(primary)
  // Correctness first: the benchmarked workload gives the expected answer.
  const got = compareResponses(p, c, match.policy)
  if (JSON.stringify(got) !== JSON.stringify([{ kind: 'body', ops: expectedOps(kb) }])) throw new Error(`wrong diff for ${kb} KB: ${JSON.stringify(got)}`)
  const pa = JSON.parse(p.body.toString())
  const ca = JSON.parse(c.body.toString())
  const t = measureAll({
    raw: () => (sink += fjp.compare(JSON.parse(p.body.toString('utf8')), JSON.parse(c.body.toString('utf8'))).length),
    rawOnly: () => (sink += fjp.compare(pa, ca).length),
    none: () => (sink += compareResponses(p, c, DEFAULT_POLICY).length),
    ten: () => (sink += compareResponses(p, c, match.policy).length),
    diffOnly: () => (sink += diffJson(pa, ca, match.policy).length),
    ident: () => (sink += compareResponses(p, same, match.policy).length),
  })
  const size = `${(p.body.length / 1024).toFixed(1)} KB`
  rows.push([size, 'raw parse+compare (baseline)', t.raw, t.raw])
  rows.push([size, 'raw compare only (pre-parsed)', t.rawOnly, t.raw])
  rows.push([size, 'shadowdiff, no rules', t.none, t.raw])
  rows.push([size, 'shadowdiff, 10 rules', t.ten, t.raw])
  rows.push([size, 'identical bytes, 10 rules', t.ident, t.raw])
  rows.push([size, 'JSON diff only, 10 rules (pre-parsed) vs raw compare only', t.diffOnly, t.rawOnly])
}
const m = measureAll({
  match: () => (sink += rules.match(req).rules.length),
  derived: () => (sink += rules.match(other).route.length),
})

console.log(`Node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown cpu'}), ${os.platform()} ${os.arch()}, load average at start ${loadAtStart}`)
console.log('')
console.log('| body | workload | time/op | ops/s | ratio to baseline |')
console.log('| --- | --- | ---: | ---: | ---: |')
for (const [size, name, ns, base] of rows) {
  console.log(`| ${size} | ${name} | ${fmt(ns)} | ${Math.round(1e9 / ns).toLocaleString('en-US')} | ${(ns / base).toFixed(2)}× |`)
}
console.log('')
console.log(`RuleSet.match, 10 rules, cached combination: ${fmt(m.match)}/request`)
console.log(`RuleSet.match, no rule matches (route derived from path): ${fmt(m.derived)}/request`)
if (sink === 0.5) console.log(sink)

/**
 * The benchmark cases, in table order. Each case names the upstreams it needs
 * and how to start the proxy under test; `run.js` starts every case's proxy
 * once and keeps it up for all the interleaved rounds.
 */
import { join } from 'node:path'
import { startProcess, freePort } from './proc.js'
import { startNginx } from './nginx.js'
import { startShadowdiff, ROOT } from './shadowdiff.js'

/**
 * Upstreams by role → bench/upstreams.js mode. `same` is the primary and the
 * identical candidate (separate processes: a real candidate is another service).
 */
export const UPSTREAMS = {
  primary: 'same',
  identical: 'same',
  differing: 'differ',
  slow: 'slow',
  stalled: 'stalled',
  knee: 'knee',
  slowRoute: 'slow-route'
}

/** The slow-route case's paths: 9 of 10 requests to /orders/:id, 1 to /orders/slow/:id (10 %). */
export const SLOW_ROUTE_PATHS = ['/orders/1', '/orders/2', '/orders/3', '/orders/4', '/orders/5', '/orders/6', '/orders/7', '/orders/8', '/orders/9', '/orders/slow/1']
export const SLOW_ROUTE = '/orders/slow/:id'

const url = (up) => `http://127.0.0.1:${up.port}`

/**
 * @typedef {object} BenchCase
 * @property {string} id        short stable id (used by --cases and the goals)
 * @property {string} label     table row label
 * @property {'direct'|'nginx'|'node'|'shadowdiff'} kind
 * @property {string[]} upstreams roles from UPSTREAMS this case needs
 * @property {(ctx: object) => Promise<object>} start returns a process with `port` (and `adminPort` for shadowdiff)
 * @property {boolean} [coverage] shadowdiff case in the mirror coverage table (compared ÷ eligible, what the controller chose)
 * @property {string[]} [paths] request paths cycled by the load generator (default /orders/1)
 * @property {string} [statsUpstream] upstream role answering GET /__bench/stats (knee, slowRoute)
 */

/** @type {BenchCase[]} */
export const CASES = [
  {
    id: 'direct',
    label: 'direct to upstream (the limit)',
    kind: 'direct',
    upstreams: ['primary'],
    start: async ({ up }) => ({ ...up.primary, command: `node bench/upstreams.js same --workers ${up.primary.workers}`, external: true })
  },
  {
    id: 'nginx',
    label: 'nginx proxy',
    kind: 'nginx',
    upstreams: ['primary'],
    start: async ({ up, nginx }) => startNginx({ name: 'nginx', nginx, port: await freePort(), primaryPort: up.primary.port })
  },
  {
    id: 'nginx-mirror',
    label: 'nginx + mirror, identical candidate',
    kind: 'nginx',
    upstreams: ['primary', 'identical'],
    start: async ({ up, nginx }) => startNginx({ name: 'nginx-mirror', nginx, port: await freePort(), primaryPort: up.primary.port, candidatePort: up.identical.port })
  },
  {
    id: 'nginx-mirror-50ms',
    label: 'nginx + mirror, 50 ms candidate',
    kind: 'nginx',
    upstreams: ['primary', 'slow'],
    start: async ({ up, nginx }) => startNginx({ name: 'nginx-mirror-50ms', nginx, port: await freePort(), primaryPort: up.primary.port, candidatePort: up.slow.port })
  },
  {
    id: 'fastify-proxy',
    label: '@fastify/http-proxy pass-through',
    kind: 'node',
    upstreams: ['primary'],
    start: async ({ up }) => {
      const args = [join(ROOT, 'bench', 'peers', 'fastify-http-proxy.js'), '--upstream', url(up.primary), '--port', String(await freePort())]
      const proc = await startProcess('fastify-proxy', process.execPath, args, { readyLine: true })
      proc.command = 'node bench/peers/fastify-http-proxy.js --upstream <primary> --port <p>'
      return proc
    }
  },
  shadowdiffCase('sd-off', 'shadowdiff, mirroring off (--sample 0)', 'identical', ['--sample', '0']),
  shadowdiffCase('sd-shadow', 'shadowdiff shadow, identical candidate', 'identical', [], { coverage: true }),
  shadowdiffCase('sd-divergent', 'shadowdiff shadow, every response differs', 'differing'),
  shadowdiffCase('sd-50ms', 'shadowdiff shadow, 50 ms candidate', 'slow', [], { coverage: true }),
  shadowdiffCase('sd-knee', 'shadowdiff shadow, knee candidate (20 ms + 1 ms per request held)', 'knee', [], { coverage: true, statsUpstream: 'knee' }),
  shadowdiffCase('sd-slow-route', 'shadowdiff shadow, candidate slow on one route (10 % of traffic, knee)', 'slowRoute', [], { coverage: true, statsUpstream: 'slowRoute', paths: SLOW_ROUTE_PATHS }),
  shadowdiffCase('sd-stalled', 'shadowdiff shadow, stalled candidate', 'stalled', [], { coverage: true })
]

function shadowdiffCase (id, label, candidate, extraArgs = [], more = {}) {
  return {
    id,
    label,
    kind: 'shadowdiff',
    upstreams: ['primary', candidate],
    ...more,
    start: ({ up, nodeArgs }) => startShadowdiff({ name: id, primary: url(up.primary), candidate: url(up[candidate]), extraArgs, nodeArgs })
  }
}

/**
 * The goals of the performance issue, each a ratio of two cases from the same
 * run. `metric` is 'rps' (higher is better: ratio ≥ target) or 'p99' (lower
 * is better: ratio ≤ target).
 */
export const GOALS = [
  { id: 'G1', text: 'shadow ≥ 1.0× nginx + mirror (req/s)', a: 'sd-shadow', b: 'nginx-mirror', metric: 'rps', target: 1.0 },
  { id: 'G2', text: 'pass-through ≥ 1.2× @fastify/http-proxy (req/s)', a: 'sd-off', b: 'fastify-proxy', metric: 'rps', target: 1.2 },
  { id: 'G3', text: 'shadow ≥ 0.6× pass-through (req/s)', a: 'sd-shadow', b: 'sd-off', metric: 'rps', target: 0.6 },
  { id: 'G4', text: 'all-divergent ≥ 0.8× shadow (req/s)', a: 'sd-divergent', b: 'sd-shadow', metric: 'rps', target: 0.8 },
  { id: 'G5a', text: '50 ms candidate ≥ 0.9× shadow (req/s)', a: 'sd-50ms', b: 'sd-shadow', metric: 'rps', target: 0.9 },
  { id: 'G5b', text: '50 ms candidate p99 ≤ 1.2× shadow p99', a: 'sd-50ms', b: 'sd-shadow', metric: 'p99', target: 1.2 },
  { id: 'G5c', text: 'stalled candidate ≥ 0.9× shadow (req/s)', a: 'sd-stalled', b: 'sd-shadow', metric: 'rps', target: 0.9 },
  { id: 'G5d', text: 'stalled candidate p99 ≤ 1.2× shadow p99', a: 'sd-stalled', b: 'sd-shadow', metric: 'p99', target: 1.2 },
  { id: 'G6b', text: 'knee candidate p99 ≤ 1.2× shadow p99', a: 'sd-knee', b: 'sd-shadow', metric: 'p99', target: 1.2 },
  { id: 'G6c', text: 'slow-route candidate p99 ≤ 1.2× shadow p99', a: 'sd-slow-route', b: 'sd-shadow', metric: 'p99', target: 1.2 }
]

/**
 * The mirror-coverage goals (adaptive concurrency and fair shedding), each
 * judged on one case's row of the coverage table (bench/lib/coverage.js).
 * `value(row)` is the measured number, `ok(value)` the verdict.
 */
export const COVERAGE_GOALS = [
  { id: 'G6a', text: 'coverage (compared ÷ eligible) with the 50 ms candidate ≥ 95 %', case: 'sd-50ms', value: (r) => r.coverage, ok: (v) => v >= 0.95, format: 'pct' },
  { id: 'G6d', text: 'knee candidate: its latency at the chosen limit ≤ 2× unloaded', case: 'sd-knee', value: (r) => r.kneeRatio, ok: (v) => v <= 2, format: 'x' },
  { id: 'G6e', text: "slow route's share of comparisons within 10 % of its share of traffic", case: 'sd-slow-route', value: (r) => r.slowRouteRatio, ok: (v) => Math.abs(v - 1) <= 0.1, format: 'x' },
  { id: 'G6f', text: 'peak RSS ≤ 256 MB in every shadowdiff case', case: '*', value: (rows) => Math.max(...rows.map((r) => r.rssMb ?? 0)), ok: (v) => v <= 256, format: 'mb' }
]

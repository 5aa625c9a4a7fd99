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
  stalled: 'stalled'
}

const url = (up) => `http://127.0.0.1:${up.port}`

/**
 * @typedef {object} BenchCase
 * @property {string} id        short stable id (used by --cases and the goals)
 * @property {string} label     table row label
 * @property {'direct'|'nginx'|'node'|'shadowdiff'} kind
 * @property {string[]} upstreams roles from UPSTREAMS this case needs
 * @property {(ctx: object) => Promise<object>} start returns a process with `port` (and `adminPort` for shadowdiff)
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
  shadowdiffCase('sd-shadow', 'shadowdiff shadow, identical candidate', 'identical'),
  shadowdiffCase('sd-divergent', 'shadowdiff shadow, every response differs', 'differing'),
  shadowdiffCase('sd-50ms', 'shadowdiff shadow, 50 ms candidate', 'slow'),
  shadowdiffCase('sd-stalled', 'shadowdiff shadow, stalled candidate', 'stalled')
]

function shadowdiffCase (id, label, candidate, extraArgs = []) {
  return {
    id,
    label,
    kind: 'shadowdiff',
    upstreams: ['primary', candidate],
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
  { id: 'G5d', text: 'stalled candidate p99 ≤ 1.2× shadow p99', a: 'sd-stalled', b: 'sd-shadow', metric: 'p99', target: 1.2 }
]

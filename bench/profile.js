#!/usr/bin/env node
/**
 * CPU profile of shadowdiff under load: runs one shadowdiff case with
 * `node --cpu-prof`, stops it gracefully (the profile is written on exit)
 * and prints the top self-time functions and sources.
 *
 *   node bench/profile.js [--case sd-shadow] [--duration 15]
 *   node bench/profile.js --summarize path/to/file.cpuprofile
 */
import { parseArgs } from 'node:util'
import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CASES, UPSTREAMS } from './lib/cases.js'
import { startProcess } from './lib/proc.js'
import { ROOT, shadowdiffUnavailable, fetchStatus } from './lib/shadowdiff.js'
import { loadGenerator } from './lib/load.js'
import { summarizeCpuProfile, formatSummary } from './lib/cpuprofile.js'

const { values } = parseArgs({
  options: {
    case: { type: 'string', default: 'sd-shadow' },
    duration: { type: 'string', default: '15' },
    connections: { type: 'string', default: '50' },
    top: { type: 'string', default: '25' },
    summarize: { type: 'string' }
  }
})
const top = Number(values.top)

if (values.summarize) {
  process.stdout.write(formatSummary(summarizeCpuProfile(values.summarize), top) + '\n')
} else {
  await profileCase()
}

async function profileCase () {
  const c = CASES.find((x) => x.id === values.case)
  if (!c || c.kind !== 'shadowdiff') fail(`--case must be a shadowdiff case (${CASES.filter((x) => x.kind === 'shadowdiff').map((x) => x.id).join(', ')}), got '${values.case}'`)
  const missing = shadowdiffUnavailable()
  if (missing) fail(missing)
  const up = {}
  for (const role of c.upstreams) {
    up[role] = await startProcess(role, process.execPath, [join(ROOT, 'bench', 'upstreams.js'), UPSTREAMS[role]], { readyLine: true })
  }
  const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-bench-prof-'))
  const sd = await c.start({ up, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] })
  const loadgen = loadGenerator()
  const r = await loadgen.run(`http://127.0.0.1:${sd.port}/orders/1`, { durationS: Number(values.duration), connections: Number(values.connections), threads: 1 })
  const status = await fetchStatus(sd)
  // A graceful stop lets V8 write the profile; a stalled candidate may need its mirror timeout.
  await sd.stop(30_000)
  for (const p of Object.values(up)) await p.stop()
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
  if (!file) fail(`no .cpuprofile in ${dir}: did shadowdiff exit cleanly on SIGTERM?\n${sd.stderr}`)
  const summary = summarizeCpuProfile(join(dir, file))
  process.stdout.write([
    `## CPU profile: ${c.label}`,
    '',
    `${Math.round(r.rps)} req/s, p99 ${r.p99Ms.toFixed(2)} ms over ${values.duration}s; served ${status.served}, compared ${status.compared}, dropped ${status.dropped}; ${summary.totalMs.toFixed(0)} ms sampled`,
    `Profile: ${join(dir, file)}`,
    '',
    formatSummary(summary, top),
    ''
  ].join('\n'))
}

function fail (message) {
  process.stderr.write(`profile: ${message}\n`)
  process.exit(2)
}

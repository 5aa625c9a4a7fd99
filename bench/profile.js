#!/usr/bin/env node
/**
 * CPU profile of shadowdiff under load: runs one shadowdiff case with
 * `--inspect`, warms it up, profiles only the measured load over the
 * DevTools protocol, and prints the top self-time functions and sources.
 *
 *   node bench/profile.js [--case sd-shadow] [--duration 10] [--warmup 3] [--top 25]
 *   node bench/profile.js --summarize path/to/file.cpuprofile
 */
import { parseArgs } from 'node:util'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CASES, UPSTREAMS } from './lib/cases.js'
import { startProcess } from './lib/proc.js'
import { ROOT, SHADOWDIFF_ROOT, shadowdiffUnavailable, fetchStatus } from './lib/shadowdiff.js'
import { loadGenerator } from './lib/load.js'
import { inspectorUrl, connectProfiler } from './lib/inspector.js'
import { summarizeCpuProfile, formatSummary } from './lib/cpuprofile.js'

const { values } = parseArgs({
  options: {
    case: { type: 'string', default: 'sd-shadow' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    top: { type: 'string', default: '25' },
    summarize: { type: 'string' }
  }
})
const top = Number(values.top)

if (values.summarize) {
  process.stdout.write(formatSummary(summarizeCpuProfile(values.summarize, SHADOWDIFF_ROOT), top) + '\n')
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
  const sd = await c.start({ up, nodeArgs: ['--inspect=127.0.0.1:0'] })
  const loadgen = loadGenerator()
  const load = (durationS) => loadgen.run(`http://127.0.0.1:${sd.port}/orders/1`, { durationS, connections: Number(values.connections), threads: 1 })
  const profiler = await connectProfiler(await inspectorUrl(sd))
  let r, profile, before, after
  try {
    await load(Number(values.warmup))
    before = await fetchStatus(sd)
    await profiler.start()
    r = await load(Number(values.duration))
    profile = await profiler.stop()
    after = await fetchStatus(sd)
  } finally {
    profiler.close()
    await sd.stop()
    for (const p of Object.values(up)) await p.stop()
  }
  const file = join(mkdtempSync(join(tmpdir(), 'shadowdiff-bench-prof-')), `${c.id}.cpuprofile`)
  writeFileSync(file, JSON.stringify(profile))
  const summary = summarizeCpuProfile(file, SHADOWDIFF_ROOT)
  const delta = (k) => (after[k] ?? 0) - (before[k] ?? 0)
  process.stdout.write([
    `## CPU profile: ${c.label}`,
    '',
    `${Math.round(r.rps)} req/s, p99 ${r.p99Ms.toFixed(2)} ms over ${values.duration}s after a ${values.warmup}s warm-up; ` +
      `during the profile: served ${delta('served')}, compared ${delta('compared')}, divergent ${delta('divergent')}, dropped ${delta('dropped')}`,
    `Profile: ${file}`,
    '',
    formatSummary(summary, top),
    ''
  ].join('\n'))
}

function fail (message) {
  process.stderr.write(`profile: ${message}\n`)
  process.exit(2)
}

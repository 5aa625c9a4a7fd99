/**
 * `--soak-stalled`: shadowdiff in shadow mode against a candidate that
 * accepts connections and never answers, at full load for 60 s
 * (BENCH_SOAK_DURATION). A stalled candidate must cost production nothing:
 * memory stays bounded (goal: max RSS < 256 MB) because every mirror over
 * the in-flight and queue limits is dropped and counted, not buffered.
 */
import { join } from 'node:path'
import { rssTreeMb } from './proc.js'
import { ROOT, shadowdiffUnavailable, startShadowdiff, settledStatus, fetchStatus } from './shadowdiff.js'
import { machineInfo } from './machine.js'
import { replaceSection } from './results-file.js'

const RSS_GOAL_MB = 256

/** Runs the soak and prints (and records) max RSS and the dropped count. */
export async function runSoak ({ settings, loadgen, log, startUpstream, commandLine }) {
  const missing = shadowdiffUnavailable()
  if (missing) {
    log(`cannot soak: ${missing}`)
    process.exitCode = 1
    return
  }
  const durationS = Number(process.env.BENCH_SOAK_DURATION ?? 60)
  const primary = await startUpstream('primary')
  const stalled = await startUpstream('stalled')
  const sd = await startShadowdiff({
    name: 'sd-soak-stalled',
    primary: `http://127.0.0.1:${primary.port}`,
    candidate: `http://127.0.0.1:${stalled.port}`
  })
  const samples = []
  const statuses = []
  const timer = setInterval(() => {
    const mb = rssTreeMb(sd.pid)
    if (mb !== undefined) samples.push(mb)
    fetchStatus(sd).then((s) => statuses.push(s), () => {})
  }, 1000)
  log(`soak: stalled candidate, ${durationS}s at ${settings.connections} connections`)
  let load
  try {
    load = await loadgen.run(`http://127.0.0.1:${sd.port}/orders/1`, { durationS, connections: settings.connections, threads: settings.threads })
  } finally {
    clearInterval(timer)
  }
  const status = await settledStatus(sd, 1000)
  await sd.stop()
  await stalled.stop()
  await primary.stop()

  const maxRss = Math.max(...samples)
  const rssOk = maxRss < RSS_GOAL_MB
  const clean = load.non2xx === 0 && load.socketErrors === 0
  const result = clean ? 'ok' : `FAILED: ${load.non2xx} non-2xx, socket errors: ${load.errorKinds || 0}`
  const m = machineInfo()
  const peakInFlight = Math.max(0, ...statuses.map((s) => (s.inFlight ?? 0) + (s.queued ?? 0)))
  const text = [
    '## Soak: stalled candidate',
    '',
    `Run ${new Date().toISOString()} · ${m.nproc} CPUs (${m.model}) · Node ${m.node} · ${loadgen.version}`,
    '',
    '| duration | req/s | p50 ms | p99 ms | max RSS MB | RSS at end MB | peak in flight + queued | served | mirrored | skipped `adaptive` | dropped | queued at end | limit, share at end | RSS < 256 MB | result |',
    '|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|',
    `| ${durationS}s | ${Math.round(load.rps)} | ${load.p50Ms.toFixed(2)} | ${load.p99Ms.toFixed(2)} | ` +
      `${maxRss.toFixed(0)} | ${samples.at(-1).toFixed(0)} | ${peakInFlight} | ${status.served} | ${status.mirrored} | ${status.skippedBy?.adaptive ?? 0} | ${status.dropped} | ${status.queued} | ` +
      `${status.mirrorControl ? `${status.mirrorControl.limit}, ${(status.mirrorControl.share * 100).toFixed(1)} %` : '—'} | ${rssOk ? 'PASS' : 'MISS'} | ${result} |`,
    '',
    // Every request is accounted for: sent to the candidate, dropped and counted, or still waiting within the queue's bound.
    `Accounting: served ${status.served} = mirrored ${status.mirrored} + dropped ${status.dropped} + queued ${status.queued}` +
      ` + not mirrored ${status.notMirrored} + skipped ${status.skipped}` +
      ` (${status.mirrored + status.dropped + status.queued + status.notMirrored + status.skipped === status.served ? 'closes' : 'DOES NOT CLOSE'}).`,
    '',
    `RSS sampled every second (MB): ${samples.map((n) => n.toFixed(0)).join(' ')}`,
    '',
    `Command: \`${commandLine}\`; proxy: \`${sd.command}\``
  ].join('\n')
  process.stdout.write(`\n${text}\n`)
  if (!flagNoWrite()) replaceSection(join(ROOT, 'bench', 'RESULTS.md'), 'soak', text)
  if (!rssOk || !clean) process.exitCode = 1
}

function flagNoWrite () {
  return process.argv.includes('--no-write')
}

/**
 * shadowdiff under test: `node bin/shadowdiff.js serve …` in its own process,
 * plus the admin status the harness prints after each shadowdiff case.
 */
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort, startProcess, waitForHttp } from './proc.js'

/** Repository root (bench/lib/../..). */
export const ROOT = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..')

/**
 * The shadowdiff checkout under test: this repository, or another build
 * (BENCH_SHADOWDIFF_ROOT=/path/to/checkout) to compare two versions with the
 * same harness.
 */
export const SHADOWDIFF_ROOT = resolve(process.env.BENCH_SHADOWDIFF_ROOT || ROOT)

/**
 * shadowdiff processes per case (BENCH_SD_WORKERS, `run.js --sd-workers N`):
 * more than 1 runs the node:cluster experiment (bench/experiments/cluster-serve.js).
 */
export function sdWorkers () {
  return Number(process.env.BENCH_SD_WORKERS ?? '1')
}

/** Why shadowdiff cannot run here (not built), or undefined when it can. */
export function shadowdiffUnavailable () {
  if (!existsSync(join(SHADOWDIFF_ROOT, 'dist', 'cli', 'main.js'))) {
    return `${join(SHADOWDIFF_ROOT, 'dist', 'cli', 'main.js')} is missing: build with \`npx tsc -p tsconfig.build.json\` (the serve command must exist)`
  }
  return undefined
}

/**
 * Starts `shadowdiff serve` against `primary`/`candidate` with a fresh SQLite
 * file, waits for both ports, and returns the process with `port`,
 * `adminPort`, `command` and `extraArgs` applied last (`--sample 0` for the
 * mirroring-off case). `nodeArgs` go before the script (e.g. `--cpu-prof`).
 */
export async function startShadowdiff ({ name, primary, candidate, extraArgs = [], nodeArgs = [] }) {
  const port = await freePort()
  const adminPort = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-bench-sd-'))
  const workers = sdWorkers()
  const args = [
    workers > 1 ? join(ROOT, 'bench', 'experiments', 'cluster-serve.js') : join(SHADOWDIFF_ROOT, 'bin', 'shadowdiff.js'), 'serve',
    '--primary', primary, '--candidate', candidate,
    '--port', String(port), '--admin-port', String(adminPort),
    '--db', join(dir, 'x.db'), ...extraArgs, '--log-level', 'warn'
  ]
  const proc = await startProcess(name, process.execPath, [...nodeArgs, ...args], {
    // A scratch cwd: serve would pick up ./rules from the checkout, and the
    // benchmark measures the default rule set, whatever the repository holds.
    cwd: dir,
    scratch: dir,
    env: workers > 1 ? { SD_WORKERS: String(workers), SD_MAIN: join(SHADOWDIFF_ROOT, 'dist', 'cli', 'main.js') } : undefined,
    readyUrl: `http://127.0.0.1:${adminPort}/api/status`
  })
  await waitForHttp(`http://127.0.0.1:${port}/`)
  proc.port = port
  proc.adminPort = adminPort
  proc.dir = dir
  proc.command = [
    workers > 1 ? `SD_WORKERS=${workers} node bench/experiments/cluster-serve.js serve` : 'node bin/shadowdiff.js serve', '--primary <primary> --candidate <candidate> --port <p> --admin-port <a> --db <tmp>/x.db',
    ...extraArgs, '--log-level warn'
  ].join(' ')
  return proc
}

/** GET /api/status of a running shadowdiff (the JSON documented in docs/bench.md). */
export async function fetchStatus (proc) {
  const res = await fetch(`http://127.0.0.1:${proc.adminPort}/api/status`, { signal: AbortSignal.timeout(5000) })
  if (!res.ok) throw new Error(`${proc.name}: GET /api/status answered ${res.status}`)
  return res.json()
}

/**
 * Status once the mirror queue and the in-flight mirrors have settled, or
 * after `maxWaitMs` (a stalled candidate keeps mirrors in flight until their
 * timeout, which is exactly what the dropped counter is there to show).
 */
export async function settledStatus (proc, maxWaitMs = 3000) {
  const deadline = Date.now() + maxWaitMs
  for (;;) {
    const status = await fetchStatus(proc)
    const busy = (status.queued ?? 0) + (status.inFlight ?? 0) + (status.compareQueued ?? 0)
    if (busy === 0 || Date.now() > deadline) return status
    await sleep(100)
  }
}

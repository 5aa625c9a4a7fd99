/**
 * One load generator for every case, with the same settings: wrk when it is
 * available (installed from Debian when missing and root), else autocannon.
 * Both report the same shape, so a run never mixes the two.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { createRequire } from 'node:module'
import { ensureTool, versionOf } from './apt.js'

/**
 * wrk's Lua `done()` runs once after the run, so it costs nothing per request
 * (a `response()` hook would make wrk parse every response in Lua). It prints
 * one JSON line with the counters we need. `errors.status` counts responses
 * with status > 399, the same number wrk prints as "Non-2xx or 3xx responses".
 */
const WRK_DONE_LUA = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
`

/**
 * @typedef {object} LoadResult
 * @property {number} requests   completed requests
 * @property {number} rps        requests per second
 * @property {number} p50Ms      median latency
 * @property {number} p99Ms      99th percentile latency
 * @property {number} non2xx     responses that were not 2xx/3xx
 * @property {number} socketErrors connect + read + write errors and timeouts
 * @property {string} errorKinds  e.g. "timeout 3, read 1", empty when none
 */

/**
 * Picks the load generator. `BENCH_LOADGEN=autocannon` forces the fallback.
 * @returns {{ name: 'wrk'|'autocannon', version: string, run: (url: string, opts: {durationS: number, connections: number, threads: number}) => Promise<LoadResult>, describe: (url: string, opts: object) => string }}
 */
export function loadGenerator ({ log = console.error } = {}) {
  if (process.env.BENCH_LOADGEN !== 'autocannon') {
    const wrk = ensureTool('wrk', 'wrk', { log })
    if (wrk.path) {
      const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-bench-wrk-'))
      const script = join(dir, 'done.lua')
      writeFileSync(script, WRK_DONE_LUA)
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
      // A case with `paths` cycles through them, one per request (routes.lua: the same done()).
      const scriptFor = (o) => {
        if (!o.paths) return script
        const file = join(dir, `routes-${o.paths.length}-${hashOf(o.paths)}.lua`)
        writeFileSync(file, routesLua(o.paths) + WRK_DONE_LUA)
        return file
      }
      const args = (url, o) => ['-t', String(o.threads), '-c', String(o.connections), '-d', `${o.durationS}s`, '--latency', '-s', scriptFor(o), url]
      return {
        name: 'wrk',
        cyclesPaths: true,
        version: versionOf(wrk.path),
        describe: (url, o) => `wrk ${args(url, o).join(' ').replace(/\S*\/(done|routes-[^ ]*)\.lua/, (_m, name) => `${name.startsWith('routes') ? 'routes' : 'done'}.lua`)}`,
        run: (url, o) => runWrk(wrk.path, args(url, o))
      }
    }
    log(`bench: ${wrk.skip}; falling back to autocannon`)
  }
  const require = createRequire(import.meta.url)
  const pkg = require.resolve('autocannon/package.json')
  const cli = join(dirname(pkg), 'autocannon.js')
  // autocannon cannot cycle paths from the command line: a case with `paths` runs its first one (noted by the caller).
  const args = (url, o) => ['-c', String(o.connections), '-d', String(o.durationS), '-j', o.paths ? new URL(o.paths[0], url).href : url]
  return {
    name: 'autocannon',
    cyclesPaths: false,
    version: `autocannon ${require(pkg).version}`,
    describe: (url, o) => `autocannon ${args(url, o).join(' ')}`,
    run: (url, o) => runAutocannon(cli, args(url, o))
  }
}

/**
 * wrk's request() hook cycling through `paths`: one Lua state per wrk thread,
 * so with -t 1 every path gets exactly its share of the requests.
 */
function routesLua (paths) {
  return `
local paths = { ${paths.map((p) => JSON.stringify(p)).join(', ')} }
local i = 0
request = function()
  i = i + 1
  return wrk.format(nil, paths[(i % #paths) + 1])
end
`
}

function hashOf (paths) {
  let h = 0
  for (const c of paths.join('\n')) h = (h * 31 + c.charCodeAt(0)) >>> 0
  return h.toString(16)
}

async function runWrk (path, args) {
  const { stdout, stderr, code } = await run(path, args)
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH_JSON '))
  if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}): ${stderr.trim() || stdout.trim()}`)
  const r = JSON.parse(line.slice('BENCH_JSON '.length))
  return {
    requests: r.requests,
    rps: r.requests / (r.durationUs / 1e6),
    p50Ms: r.p50Us / 1000,
    p99Ms: r.p99Us / 1000,
    non2xx: r.status,
    socketErrors: r.connect + r.read + r.write + r.timeout,
    errorKinds: describeErrors({ connect: r.connect, read: r.read, write: r.write, timeout: r.timeout })
  }
}

async function runAutocannon (cli, args) {
  const { stdout, stderr, code } = await run(process.execPath, [cli, ...args])
  if (code !== 0) throw new Error(`autocannon failed (exit ${code}): ${stderr.trim()}`)
  const r = JSON.parse(stdout)
  return {
    requests: r.requests.total,
    rps: r.requests.total / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    non2xx: r.non2xx,
    socketErrors: r.errors + r.timeouts,
    errorKinds: describeErrors({ errors: r.errors, timeout: r.timeouts })
  }
}

function describeErrors (counts) {
  return Object.entries(counts).filter(([, n]) => n).map(([k, n]) => `${k} ${n}`).join(', ')
}

function run (command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (c) => { stdout += c })
    child.stderr.setEncoding('utf8').on('data', (c) => { stderr += c })
    child.on('error', reject)
    child.on('close', (code) => resolve({ stdout, stderr, code }))
  })
}

/**
 * Child processes for the benchmark: every server (upstreams, nginx, the
 * peers, shadowdiff) runs in its own process group so that it has its own
 * event loop and can be stopped together with its workers, and nothing else.
 */
import { spawn, execFileSync } from 'node:child_process'
import { readFileSync, readdirSync, rmSync } from 'node:fs'
import net from 'node:net'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'

/** Every process group started here, so an interrupted run leaves nothing behind. */
const started = new Set()
process.on('exit', () => {
  for (const p of started) {
    killGroup(p.pid, 'SIGKILL')
    if (p.scratch) rmSync(p.scratch, { recursive: true, force: true })
  }
})
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => { process.exitCode = 130; process.exit() })
}

/** A free loopback TCP port (bound to 0, then released). */
export async function freePort () {
  const server = net.createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

/**
 * Starts `command args` as its own process group and waits until it is ready:
 * either it prints a JSON line with `ready: true` (readyLine), or `readyUrl`
 * answers any HTTP response. Rejects with the child's stderr tail on failure.
 * `scratch` is a temp directory of the process's (config, database), removed
 * when it stops.
 *
 * @example
 *   const up = await startProcess('primary', process.execPath, ['bench/upstreams.js', 'same'], { readyLine: true })
 *   up.port; await up.stop()
 */
export async function startProcess (name, command, args, { readyLine = false, readyUrl, env, timeoutMs = 15_000, cwd, scratch } = {}) {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const proc = { name, pid: child.pid, port: undefined, child, stderr: '', exited: false, scratch, stop: (graceMs) => stopProcess(proc, graceMs) }
  started.add(proc)
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk) => { proc.stderr = (proc.stderr + chunk).slice(-4000) })
  child.stdout.setEncoding('utf8')
  let stdout = ''
  const exited = once(child, 'exit').then(([code, signal]) => { proc.exited = true; return { code, signal } })
  const readyPromise = new Promise((resolve) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk
      if (!readyLine) return
      for (const line of stdout.split('\n')) {
        if (!line.startsWith('{')) continue
        try {
          const msg = JSON.parse(line)
          if (msg.ready) { proc.port = msg.port; resolve() }
        } catch { /* a partial line; wait for the rest */ }
      }
    })
    if (readyUrl) waitForHttp(readyUrl, timeoutMs).then(resolve, () => {})
  })
  const outcome = await Promise.race([
    readyPromise.then(() => 'ready'),
    exited.then(({ code, signal }) => `exited (code ${code}, signal ${signal})`),
    sleep(timeoutMs).then(() => `not ready after ${timeoutMs} ms`)
  ])
  if (outcome !== 'ready') {
    await stopProcess(proc)
    const lastLine = proc.stderr.trim().split('\n').find((l) => /error/i.test(l)) ?? proc.stderr.trim().split('\n').at(-1) ?? ''
    const err = new Error(`${name} ${outcome}: ${command} ${args.join(' ')}\n${proc.stderr.trim()}`)
    // For the table: what happened and the child's own error line, not the whole command.
    err.summary = `${outcome}${lastLine ? ` (${lastLine.trim().slice(0, 160)})` : ''}`
    throw err
  }
  return proc
}

/** SIGTERM the process group, SIGKILL it if it is still there after `graceMs`; then remove its scratch dir. */
export async function stopProcess (proc, graceMs = 3000) {
  started.delete(proc)
  if (!proc.exited) {
    const exited = once(proc.child, 'exit')
    killGroup(proc.pid, 'SIGTERM')
    const result = await Promise.race([exited.then(() => 'exited'), sleep(graceMs).then(() => 'timeout')])
    if (result === 'timeout') { killGroup(proc.pid, 'SIGKILL'); await exited }
  }
  if (proc.scratch) rmSync(proc.scratch, { recursive: true, force: true })
}

function killGroup (pid, signal) {
  try { process.kill(-pid, signal) } catch { /* already gone */ }
}

/** Polls `url` until any HTTP response arrives (status does not matter). */
export async function waitForHttp (url, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) })
      await res.arrayBuffer()
      return res.status
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`, { cause: err })
      await sleep(100)
    }
  }
}

/**
 * Resident set size in MB of `pid` and all its descendants (nginx master +
 * worker, a cluster and its workers), from /proc/<pid>/status VmRSS.
 * Returns undefined when /proc is not available.
 */
export function rssTreeMb (pid) {
  let kb = 0
  let seen = false
  for (const p of tree(pid)) {
    try {
      const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'))
      if (m) { kb += Number(m[1]); seen = true }
    } catch { /* exited meanwhile */ }
  }
  return seen ? kb / 1024 : undefined
}

/**
 * CPU seconds (user + system) used so far by `pid` and its descendants, from
 * /proc/<pid>/stat. CPU time per request is the comparison that survives a
 * shared machine: other work steals wall time, not the proxy's own CPU time.
 */
export function cpuTreeSeconds (pid) {
  let ticks = 0
  let seen = false
  for (const p of tree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8')
      // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      ticks += Number(fields[11]) + Number(fields[12])
      seen = true
    } catch { /* exited meanwhile */ }
  }
  return seen ? ticks / CLK_TCK : undefined
}

const CLK_TCK = (() => {
  try { return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100 } catch { return 100 }
})()

function tree (pid) {
  const all = []
  const stack = [pid]
  while (stack.length) {
    const p = stack.pop()
    all.push(p)
    stack.push(...childrenOf(p))
  }
  return all
}

function childrenOf (pid) {
  // /proc lists children per thread (the one that forked them), so read every thread's list.
  const kids = []
  let tasks = []
  try { tasks = readdirSync(`/proc/${pid}/task`) } catch { return kids }
  for (const tid of tasks) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim()
      if (text) kids.push(...text.split(/\s+/).map(Number))
    } catch { /* thread ended meanwhile */ }
  }
  return kids
}

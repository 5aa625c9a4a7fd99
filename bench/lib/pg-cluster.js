/**
 * A throwaway PostgreSQL cluster for benchmarks (the JavaScript twin of
 * test/helpers/pg-cluster.ts): initdb into a temp folder, a free loopback
 * port, pg_ctl start; stopped and removed at exit. Unlike the test cluster
 * it keeps fsync on (a benchmark of writes must pay for them);
 * synchronous_commit is off, the durability of SQLite's WAL with
 * synchronous=NORMAL (a crash keeps a consistent database, the last
 * transactions may be gone). BENCH_PG_URL uses an existing server instead.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { freePort } from './proc.js'

function findPgBin () {
  const onPath = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' }).stdout.trim()
  if (onPath !== '' && existsSync(path.join(path.dirname(onPath), 'initdb'))) return path.dirname(onPath)
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return null
  const versions = readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'pg_ctl'))).sort((a, b) => Number(b) - Number(a))
  return versions.length > 0 ? path.join(root, versions[0], 'bin') : null
}

/** @returns {Promise<{ url: string, version: string, stop: () => void }>} */
export async function startPgCluster () {
  if (process.env.BENCH_PG_URL) return { url: process.env.BENCH_PG_URL, version: 'external', stop () {} }
  const bin = findPgBin()
  if (bin === null) throw new Error('PostgreSQL is not installed (no initdb/pg_ctl): apt-get install -y postgresql, or set BENCH_PG_URL')
  const asRoot = process.getuid?.() === 0
  const dir = mkdtempSync(path.join(tmpdir(), 'shadowdiff-bench-pg-'))
  const data = path.join(dir, 'data')
  const run = (cmd, args) => execFileSync(asRoot ? 'runuser' : path.join(bin, cmd), asRoot ? ['-u', 'postgres', '--', path.join(bin, cmd), ...args] : args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
  if (asRoot) {
    const out = execFileSync('id', ['postgres'], { encoding: 'utf8' })
    chownSync(dir, Number(/uid=(\d+)/.exec(out)[1]), Number(/gid=(\d+)/.exec(out)[1]))
  }
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync'])
  const port = await freePort()
  appendFileSync(path.join(data, 'postgresql.conf'), [
    '', `port = ${port}`, "listen_addresses = '127.0.0.1'", `unix_socket_directories = '${dir}'`,
    'fsync = on', 'synchronous_commit = off', 'max_connections = 200', 'shared_buffers = 256MB'
  ].join('\n') + '\n')
  run('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-w', '-t', '60', 'start'])
  const version = run(path.join('postgres'), ['--version']).trim()
  let stopped = false
  const stop = () => {
    if (stopped) return
    stopped = true
    try { run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']) } catch { /* already down */ }
    rmSync(dir, { recursive: true, force: true })
  }
  process.on('exit', stop)
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, version, stop }
}

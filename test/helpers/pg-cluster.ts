/**
 * A throwaway PostgreSQL cluster of the suite's own: `initdb` into a temp
 * folder, a free loopback port, `pg_ctl start`, and `pg_ctl stop` plus the
 * folder removed at the end. Never the machine's own cluster: the machine
 * may run one on 5432, and tests must neither see nor touch it.
 *
 * PostgreSQL refuses to run as root, so under root (CI) the cluster runs as
 * the `postgres` system user that Debian's package creates.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process'
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import net, { type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'

export interface PgCluster {
  /** Superuser URL of the cluster's `postgres` database, e.g. postgres://postgres@127.0.0.1:54321/postgres */
  url: string
  port: number
  dir: string
  /**
   * Stops the server (pg_ctl stop -m fast: sessions are disconnected),
   * keeping its data and port. Asynchronous, so an app running in the test's
   * process keeps serving while PostgreSQL goes down.
   */
  halt(): Promise<void>
  /** Starts a halted server again on the same port and data. */
  resume(): Promise<void>
  /** halt() then resume(). */
  restart(): Promise<void>
  stop(): void
}

/** The folder holding initdb and pg_ctl: on PATH, or Debian's /usr/lib/postgresql/<version>/bin. */
export function findPgBin(): string | null {
  const onPath = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' }).stdout.trim()
  if (onPath !== '' && existsSync(path.join(path.dirname(onPath), 'initdb'))) return path.dirname(onPath)
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return null
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a))
  return versions.length > 0 ? path.join(root, versions[0], 'bin') : null
}

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

export async function startPgCluster(): Promise<PgCluster> {
  const bin = findPgBin()
  if (bin === null) {
    throw new Error('PostgreSQL is not installed (no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin): apt-get install -y postgresql, as .ci/run does')
  }
  const asRoot = process.getuid?.() === 0
  const dir = mkdtempSync(path.join(tmpdir(), 'shadowdiff-pg-'))
  const data = path.join(dir, 'data')
  const run = (cmd: string, args: string[]) => {
    const argv = asRoot ? ['-u', 'postgres', '--', path.join(bin, cmd), ...args] : args
    return execFileSync(asRoot ? 'runuser' : path.join(bin, cmd), argv, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
  }
  if (asRoot) {
    const { uid, gid } = postgresIds()
    chownSync(dir, uid, gid)
  }
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync'])
  const port = await freePort()
  // Loopback TCP only, the socket in our own folder, and no durability: a
  // test cluster is thrown away, and fsync would only cost time.
  appendFileSync(
    path.join(data, 'postgresql.conf'),
    ['', `port = ${port}`, `listen_addresses = '127.0.0.1'`, `unix_socket_directories = '${dir}'`, 'fsync = off', 'synchronous_commit = off', 'full_page_writes = off', 'max_connections = 200'].join('\n') + '\n',
  )
  run('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-w', '-t', '60', 'start'])
  let stopped = false
  const runAsync = (cmd: string, args: string[]) =>
    new Promise<void>((resolve, reject) => {
      const argv = asRoot ? ['-u', 'postgres', '--', path.join(bin, cmd), ...args] : args
      execFile(asRoot ? 'runuser' : path.join(bin, cmd), argv, (err, _out, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : resolve()))
    })
  const start = () => runAsync('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-w', '-t', '60', 'start'])
  const halt = () => runAsync('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'])
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    halt,
    resume: start,
    async restart() {
      await halt()
      await start()
    },
    stop() {
      if (stopped) return
      stopped = true
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'])
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  }
}

function postgresIds(): { uid: number; gid: number } {
  const out = execFileSync('id', ['postgres'], { encoding: 'utf8' })
  const uid = Number(/uid=(\d+)/.exec(out)?.[1])
  const gid = Number(/gid=(\d+)/.exec(out)?.[1])
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error(`cannot read the postgres user's ids from 'id postgres': ${out}`)
  return { uid, gid }
}

/**
 * A PostgreSQL store that cannot be used stops `serve` (and the readers) at
 * start with exit 2 and one line saying what was wrong, the password masked:
 * nothing listening, no stack trace. Mixing a URL with SQLite files is a
 * usage error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { closedPortUrl } from '../helpers/upstream.js'
import { startPgCluster, type PgCluster } from '../helpers/pg-cluster.js'

let cluster: PgCluster
beforeAll(async () => {
  cluster = await startPgCluster()
})
afterAll(() => cluster?.stop())

const serve = (db: string) => runCli(['serve', '--primary', 'http://127.0.0.1:9', '--candidate', 'http://127.0.0.1:9', '--port', '0', '--admin-port', '0', '--db', db], { timeoutMs: 20_000 })

/** The one line on stderr, checked for the code, the masked URL and the reason. */
function expectOneLine(stderr: string, reason: RegExp): void {
  const lines = stderr.trim().split('\n')
  expect(lines, stderr).toHaveLength(1)
  expect(lines[0]).toMatch(/^shadowdiff (serve|report|gate): SHD_DB_UNAVAILABLE: Cannot open database postgres(ql)?:\/\/[^ ]*: /)
  expect(lines[0]).toMatch(reason)
  expect(lines[0]).not.toContain('s3cret')
}

describe('an unusable PostgreSQL store', () => {
  it('nothing listening there: exit 2, connection refused', async () => {
    const port = new URL(await closedPortUrl()).port
    const run = await serve(`postgres://app:s3cret@127.0.0.1:${port}/shadowdiff`)
    expect(run.code).toBe(2)
    expectOneLine(run.stderr, /app:\*\*\*@.*connection refused .*is PostgreSQL running/)
  })

  it('a login the server refuses: exit 2, authentication failed', async () => {
    const run = await serve(`postgres://nobody:s3cret@127.0.0.1:${cluster.port}/postgres`)
    expect(run.code).toBe(2)
    expectOneLine(run.stderr, /nobody:\*\*\*@.*authentication failed \(role "nobody" does not exist\); check the user and password/)
  })

  it('a database that does not exist: exit 2, create it or fix the name', async () => {
    const run = await serve(`postgresql://postgres:s3cret@127.0.0.1:${cluster.port}/missing_db`)
    expect(run.code).toBe(2)
    expectOneLine(run.stderr, /database "missing_db" does not exist; create it \(createdb\) or fix the database name/)
  })

  it('the readers say the same: report and gate exit 2', async () => {
    for (const cmd of ['report', 'gate']) {
      const run = await runCli([cmd, '--db', `postgres://postgres:s3cret@127.0.0.1:${cluster.port}/missing_db`], { timeoutMs: 20_000 })
      expect(run.code).toBe(2)
      expectOneLine(run.stderr, /missing_db" does not exist/)
    }
  })

  it('SHADOWDIFF_DB selects the store when --db is not given, for serve and the readers', async () => {
    const env = { ...process.env, SHADOWDIFF_DB: `postgres://postgres:s3cret@127.0.0.1:${cluster.port}/missing_db` }
    const served = await runCli(['serve', '--primary', 'http://127.0.0.1:9', '--candidate', 'http://127.0.0.1:9', '--port', '0', '--admin-port', '0'], { env, timeoutMs: 20_000 })
    expect(served.code).toBe(2)
    expectOneLine(served.stderr, /missing_db" does not exist/)
    const gate = await runCli(['gate'], { env, timeoutMs: 20_000 })
    expect(gate.code).toBe(2)
    expectOneLine(gate.stderr, /missing_db" does not exist/)
  })

  it('a database nobody recorded into: the reader says so', async () => {
    const run = await runCli(['report', '--db', cluster.url], { timeoutMs: 20_000 })
    expect(run.code).toBe(2)
    expectOneLine(run.stderr, /no shadowdiff data in this database yet; record some with 'shadowdiff serve --db /)
  })

  it('a URL beside SQLite files is a usage error', async () => {
    const run = await runCli(['report', '--db', 'a.db', '--db', `postgres://app:s3cret@127.0.0.1:${cluster.port}/x`])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/^shadowdiff report: SHD_USAGE: --db postgres:\/\/app:\*\*\*@.*: a PostgreSQL database already holds the whole fleet and is read alone/)
    expect(run.stderr).not.toContain('s3cret')
  })
})

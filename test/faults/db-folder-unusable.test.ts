import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { chmodSync, writeFileSync } from 'node:fs'
import { runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/proxy.js'
import { ledger, useLedger } from './fault-kit.js'
import { mountTmpfs, tmpfsUnavailable } from './tmpfs.js'

useLedger(import.meta.filename)

const UPSTREAMS = ['--primary', 'http://127.0.0.1:9', '--candidate', 'http://127.0.0.1:9', '--port', '0', '--admin-port', '0']

async function serveExpectingExit2(db: string): Promise<string> {
  ledger.fault()
  const res = await runCli(['serve', ...UPSTREAMS, '--db', db], { timeoutMs: 20_000 })
  expect(res.code, res.stderr).toBe(2)
  // One clear line, no stack trace.
  expect(res.stderr).not.toMatch(/\n\s+at /)
  return res.stderr
}

// Concurrent: each case is a separate CLI process, mostly waiting on Node's startup.
describe.concurrent('serve refuses to start on an unusable database location (exit 2, clear message)', () => {
  it('a folder that does not exist', async () => {
    const stderr = await serveExpectingExit2('/nonexistent/dir/x.db')
    expect(stderr).toContain('Cannot open database /nonexistent/dir/x.db')
    expect(stderr).toContain('folder /nonexistent/dir does not exist')
    expect(stderr).toContain('mkdir -p /nonexistent/dir')
  })

  it('a path whose folder is a regular file', async () => {
    const file = join(tempDir(), 'plain-file')
    writeFileSync(file, 'not a folder')
    const stderr = await serveExpectingExit2(join(file, 'x.db'))
    expect(stderr).toContain(`${file} is not a folder`)
  })

  it('a folder without write permission (as non-root)', async (ctx) => {
    if (process.getuid?.() === 0) return ctx.skip('root ignores permission bits; the read-only mount case below covers root')
    const dir = tempDir()
    chmodSync(dir, 0o555)
    const stderr = await serveExpectingExit2(join(dir, 'x.db'))
    expect(stderr).toContain(`no write permission on ${dir}`)
  })

  it.skipIf(tmpfsUnavailable !== null)('a folder on a read-only file system', async () => {
    const dir = mountTmpfs(64, { readonly: true })
    const stderr = await serveExpectingExit2(join(dir, 'x.db'))
    expect(stderr).toContain(`Cannot open database ${join(dir, 'x.db')}`)
    expect(stderr).toMatch(/no write permission|read-only/)
  })

  it('a file that is not a shadowdiff database', async () => {
    const db = join(tempDir(), 'notes.db')
    writeFileSync(db, 'just some text, not SQLite at all '.repeat(200))
    const stderr = await serveExpectingExit2(db)
    expect(stderr).toContain(`Cannot open database ${db}`)
  })
})

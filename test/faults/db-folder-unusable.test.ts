import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { chmodSync, writeFileSync } from 'node:fs'
import { runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/proxy.js'
import { ledger, useLedger } from './fault-kit.js'
import { mountTmpfs, tmpfsUnavailable } from './tmpfs.js'

useLedger(import.meta.filename)

const UPSTREAMS = ['--primary', 'http://127.0.0.1:9', '--candidate', 'http://127.0.0.1:9', '--port', '0', '--admin-port', '0']

interface Case {
  name: string
  db: string
  /** What stderr must say, besides "Cannot open database <db>". */
  says: RegExp
}

describe('serve refuses to start on an unusable database location', () => {
  it('exits 2 with one clear line naming the path, the reason and the fix', async (ctx) => {
    const dir = tempDir()
    const plainFile = join(dir, 'plain-file')
    writeFileSync(plainFile, 'not a folder')
    const notSqlite = join(dir, 'notes.db')
    writeFileSync(notSqlite, 'just some text, not SQLite at all '.repeat(200))
    const cases: Case[] = [
      { name: 'a folder that does not exist', db: '/nonexistent/dir/x.db', says: /folder \/nonexistent\/dir does not exist; create it \(mkdir -p \/nonexistent\/dir\)/ },
      { name: 'a path whose folder is a regular file', db: join(plainFile, 'x.db'), says: new RegExp(`${plainFile} is not a folder`) },
      { name: 'a file that is not a shadowdiff database', db: notSqlite, says: /file is not a database/ },
    ]
    if (process.getuid?.() !== 0) {
      const locked = tempDir()
      chmodSync(locked, 0o555)
      ctx.onTestFinished(() => chmodSync(locked, 0o755))
      cases.push({ name: 'a folder without write permission', db: join(locked, 'x.db'), says: new RegExp(`no write permission on ${locked}`) })
    } else await ctx.annotate('no-permission case skipped: root ignores permission bits (the read-only mount case covers root)')
    if (tmpfsUnavailable === null) {
      const ro = mountTmpfs(64, { readonly: true })
      cases.push({ name: 'a folder on a read-only file system', db: join(ro, 'x.db'), says: /no write permission|read-only/ })
    } else await ctx.annotate(`read-only mount case skipped: ${tmpfsUnavailable}`)

    // One CLI process per case, run side by side: each mostly waits on Node's startup.
    const results = await Promise.all(cases.map((c) => runCli(['serve', ...UPSTREAMS, '--db', c.db], { timeoutMs: 20_000 })))
    cases.forEach((c, i) => {
      ledger.fault()
      const { code, stderr } = results[i]
      expect(code, `${c.name}: ${stderr}`).toBe(2)
      expect(stderr, c.name).toContain(`Cannot open database ${c.db}`)
      expect(stderr, c.name).toMatch(c.says)
      // One line, no stack trace.
      expect(stderr.trim().split('\n'), c.name).toHaveLength(1)
    })
  })
})

import { describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import net from 'node:net'
import { once } from 'node:events'
import { runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/proxy.js'

// Issue 18, defect 11: a FIFO (or a socket) given as the rule path, or
// inside a rules folder, used to hang `rules check` and `serve` (reading a
// FIFO blocks until a writer comes). Now: exit 2 naming the path, what it
// is and what was expected. Each run is bounded by runCli's timeout.

function fifo(path: string): string {
  execFileSync('mkfifo', [path])
  return path
}

const EXPECTED = /expected a rule file or a folder of \.yaml\/\.yml\/\.json files|expected a regular rule file \(\.yaml, \.yml or \.json\)/

describe('a rule path that is not a regular file or folder (issue 18, defect 11)', () => {
  it('rules check refuses a FIFO given as the rule file, at once', async () => {
    const path = fifo(join(tempDir(), 'rules.yaml'))
    const t0 = Date.now()
    const r = await runCli(['rules', 'check', path], { timeoutMs: 15_000 })
    expect(r.code).toBe(2)
    expect(r.stderr + r.stdout).toContain(`${path}: cannot read: it is a FIFO (named pipe)`)
    expect(r.stderr + r.stdout).toMatch(EXPECTED)
    expect(Date.now() - t0).toBeLessThan(10_000)
  })

  it('rules check refuses a FIFO inside a rules folder, naming it (not skipped)', async () => {
    const dir = join(tempDir(), 'rules')
    mkdirSync(dir)
    writeFileSync(join(dir, 'a.yaml'), 'rules:\n  - name: fine\n')
    const path = fifo(join(dir, 'b.yaml'))
    const r = await runCli(['rules', 'check', dir], { timeoutMs: 15_000 })
    expect(r.code).toBe(2)
    expect(r.stderr + r.stdout).toContain(`${path}: cannot read the rule file: it is a FIFO (named pipe); expected a regular rule file (.yaml, .yml or .json)`)
  })

  it('rules check refuses a Unix socket as the rule path', async () => {
    const path = join(tempDir(), 'rules.sock')
    const server = net.createServer().listen(path)
    await once(server, 'listening')
    try {
      const r = await runCli(['rules', 'check', path], { timeoutMs: 15_000 })
      expect(r.code).toBe(2)
      expect(r.stderr + r.stdout).toContain(`${path}: cannot read: it is a socket`)
    } finally {
      server.close()
    }
  })

  it('serve exits 2 with the message for a FIFO rule file and for a FIFO in the rules folder', async () => {
    const dir = tempDir()
    const file = fifo(join(dir, 'rules.yaml'))
    const folder = join(dir, 'rules')
    mkdirSync(folder)
    const inner = fifo(join(folder, 'x.yml'))
    for (const [rules, message] of [
      [file, `${file}: cannot read: it is a FIFO (named pipe)`],
      [folder, `${inner}: cannot read the rule file: it is a FIFO (named pipe)`],
    ]) {
      const args = ['serve', '--primary', 'http://127.0.0.1:9', '--candidate', 'http://127.0.0.1:9', '--port', '0', '--admin-port', '0', '--db', join(dir, 'x.db'), '--rules', rules]
      const r = await runCli(args, { timeoutMs: 15_000 })
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toContain(message)
    }
  })
})

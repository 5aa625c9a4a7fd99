import { describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/proxy.js'

describe('CLI: bad input exits 2 with a one-line reason and the usage', () => {
  it.each([
    [[], /Usage: shadowdiff <command>/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['serve', '--candidate', 'http://127.0.0.1:1'], /SHD_CONFIG_INVALID: primary: is required/],
    [['serve', '--primary', 'ftp://x', '--candidate', 'http://127.0.0.1:1'], /primary must be an http:\/\/ or https:\/\/ URL, got 'ftp:\/\/x'/],
    [['serve', '--primary', 'http://127.0.0.1:1', '--candidate', 'http://127.0.0.1:2', '--port', 'eighty'], /--port: expected a whole number from 0 to 65535, got 'eighty'/],
    [['serve', '--primary', 'http://127.0.0.1:1', '--candidate', 'http://127.0.0.1:2', '--sample', '150'], /--sample: expected a number from 0 to 100, got '150'/],
    [['serve', '--primary', 'http://127.0.0.1:1', '--candidate', 'http://127.0.0.1:2', '--prot', '1'], /SHD_USAGE: unknown flag '--prot' \(did you mean --port\?\)/],
    [['serve', '--primary', 'http://127.0.0.1:1', '--candidate', 'http://127.0.0.1:2', '--admin-host', '0.0.0.0'], /admin token/],
    [['report', '--format', 'xml', '--db', '.'], /--format: expected one of json, md, html, junit, got 'xml'/],
    [['gate', '--db', '/nonexistent/x.db'], /--db \/nonexistent\/x.db: no such file or folder/],
    [['gate', '--db', '.', '--max-divergence', 'lots'], /--max-divergence: expected a rate from 0 to 1/],
  ])('shadowdiff %j', async (args, message) => {
    const { code, stderr, stdout } = await runCli(args as string[])
    expect(code).toBe(2)
    expect(stderr + stdout).toMatch(message)
  })

  it('reports every problem of a config file at once', async () => {
    const dir = tempDir()
    const file = join(dir, 'config.yaml')
    writeFileSync(file, 'primary: http://127.0.0.1:1\ncandidate: nope\nmirror:\n  sample: -1\n  bogus: 1\nportt: 9\n')
    const { code, stderr } = await runCli(['serve', '--config', file])
    expect(code).toBe(2)
    expect(stderr).toContain("candidate must be an http:// or https:// URL, got 'nope'")
    expect(stderr).toContain('mirror.sample must be a number from 0 to 100')
    expect(stderr).toContain('mirror.bogus: unknown key')
    expect(stderr).toContain('portt: unknown key')
  })

  it('prints every rule problem as file:line and exits 2', async () => {
    const dir = tempDir()
    const file = join(dir, 'bad.yaml')
    writeFileSync(file, 'rules:\n  - name: a\n    ignore:\n      body: [requestId]\n  - match: { method: 7 }\n    bogus: true\n')
    const { code, stderr } = await runCli(['rules', 'check', file])
    expect(code).toBe(2)
    const lines = stderr.trim().split('\n')
    expect(lines.filter((l) => l.startsWith(`${file}:`)).length).toBeGreaterThanOrEqual(3)
    expect(stderr).toMatch(new RegExp(`${file}:4: `))
    expect(stderr).toMatch(new RegExp(`${file}:6: `))
  })

  it('accepts a valid rule folder with exit 0', async () => {
    const { code, stdout } = await runCli(['rules', 'check', 'rules'])
    expect(code).toBe(0)
    expect(stdout).toMatch(/rules: \d+ rules? OK/)
  })
})

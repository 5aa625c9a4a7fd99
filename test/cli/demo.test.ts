import { describe, expect, it } from 'vitest'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/proxy.js'

describe('shadowdiff demo', () => {
  it('runs the tour, finds the planted regressions, writes demo.md and exits 0 by itself', async () => {
    const out = tempDir()
    const { code, stdout, stderr } = await runCli(['demo', '--requests', '200', '--out', out], { timeoutMs: 60_000 })
    expect(stderr).not.toMatch(/Error/)
    expect(code).toBe(0)
    expect(stdout).toMatch(/compared 200, divergent \d+/)
    // Planted: missing email on users, rounded order totals, 500s on long searches.
    expect(stdout).toMatch(/GET \/api\/users\/:id: \d+\/50 divergent — \/email/)
    expect(stdout).toMatch(/GET \/api\/orders\/:id: \d+\/50 divergent — \/total/)
    expect(stdout).toMatch(/GET \/api\/search: \d+\/50 divergent/)
    expect(stdout).toMatch(/FAIL/)
    // The volatile fields are ignored by the demo's rules: /health is clean.
    expect(stdout).not.toMatch(/\/health: [1-9]/)
    expect(stdout).not.toMatch(/requestId|servedAt/)
    const md = readFileSync(join(out, 'demo.md'), 'utf8')
    expect(md).toContain('/api/orders/:id')
    expect(existsSync(join(out, 'demo.db'))).toBe(true)
  })
})

/**
 * The README shows what `shadowdiff demo` prints and what `shadowdiff gate`
 * says about its database. Both are run here as the README says (default
 * seed, default --out, from a fresh folder) and the README's blocks must be
 * their output, so the two cannot drift apart again. The one measured
 * number, the p99 latency ratio of two local services, may differ.
 */
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/proxy.js'
import { closedPortUrl } from '../helpers/upstream.js'

const README = () => readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

/** The fenced code blocks of a Markdown text, with their info string, in order. */
function fences(markdown: string): { info: string; body: string }[] {
  const out: { info: string; body: string }[] = []
  let open: { info: string; lines: string[] } | undefined
  for (const line of markdown.split('\n')) {
    const fence = /^```(.*)$/.exec(line)
    if (fence && !open) open = { info: fence[1], lines: [] }
    else if (fence && open) {
      out.push({ info: open.info, body: open.lines.map((l) => `${l}\n`).join('') })
      open = undefined
    } else open?.lines.push(line)
  }
  return out
}

/** The block (no language) whose first line starts with `first`, after offset `after`. */
function block(markdown: string, first: string, after = 0): string {
  const found = fences(markdown.slice(after)).find((f) => f.info === '' && f.body.startsWith(first))
  if (!found) throw new Error(`README: no code block starting with '${first}'`)
  return found.body
}

const latency = (text: string) => text.replace(/p99 latency was \d+\.\d\d×/g, 'p99 latency was N×')

describe('README: the demo and gate blocks are real output', () => {
  it('the demo with its default seed prints the README block, and gate on its database prints the gate block', async () => {
    const cwd = tempDir()
    const demo = await runCli(['demo'], { cwd, timeoutMs: 90_000 })
    expect(demo.stderr).toBe('')
    expect(demo.code).toBe(0)
    const readme = README()
    const shown = block(readme, 'clients got ')
    // After its first two lines (the ports it chose, the seed), the output is the block.
    const [first, second, blank, ...rest] = demo.stdout.split('\n')
    expect(first).toMatch(/^shadowdiff demo: proxy http:\/\/127\.0\.0\.1:\d+ \(admin http:\/\/127\.0\.0\.1:\d+\) in front of v1 \(primary\) http:\/\/127\.0\.0\.1:\d+ and v2 \(candidate\) http:\/\/127\.0\.0\.1:\d+$/)
    expect(second).toBe('driving 400 requests through the proxy (seed 1) …')
    expect(blank).toBe('')
    expect(latency(rest.join('\n'))).toBe(latency(shown))

    const gate = await runCli(['gate', '--db', 'reports/demo.db'], { cwd })
    expect(gate.code).toBe(1)
    const gateShown = block(readme, 'FAIL (', readme.indexOf('## `shadowdiff gate`'))
    expect(latency(gate.stdout)).toBe(latency(gateShown))
  })

  it('the same seed gives the same run; another seed another one', async () => {
    const [a, b, c] = await Promise.all([
      runCli(['demo', '--requests', '120', '--seed', '7', '--out', tempDir()], { timeoutMs: 90_000 }),
      runCli(['demo', '--requests', '120', '--seed', '7', '--out', tempDir()], { timeoutMs: 90_000 }),
      runCli(['demo', '--requests', '120', '--seed', '8', '--out', tempDir()], { timeoutMs: 90_000 }),
    ])
    const summary = (out: string) => latency(out.split('\n').filter((l) => /divergent|^FAIL|^PASS|^ {2}- /.test(l)).join('\n'))
    expect(summary(a.stdout)).toBe(summary(b.stdout))
    expect(summary(a.stdout)).not.toBe(summary(c.stdout))
  })

  it('--port and --admin-port choose its ports', async () => {
    // Ports nothing listens on right now (bound, then released).
    const [port, adminPort] = [new URL(await closedPortUrl()).port, new URL(await closedPortUrl()).port]
    const r = await runCli(['demo', '--requests', '8', '--port', String(port), '--admin-port', String(adminPort), '--out', tempDir()], { timeoutMs: 90_000 })
    expect(r.code).toBe(0)
    expect(r.stdout.split('\n')[0]).toMatch(new RegExp(`^shadowdiff demo: proxy http://127\\.0\\.0\\.1:${port} \\(admin http://127\\.0\\.0\\.1:${adminPort}\\)`))
  })
})

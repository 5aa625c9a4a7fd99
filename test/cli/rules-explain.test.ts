import { describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { request } from 'undici'
import { json, startUpstream } from '../helpers/upstream.js'
import { startProxy, tempDir } from '../helpers/proxy.js'
import { runCli } from '../helpers/cli.js'
import { listDivergences } from '../../src/store/list-divergences.js'

describe('shadowdiff rules explain', () => {
  it('shows which rules matched a recorded exchange and what each removed', async () => {
    const dir = tempDir()
    const recorded = join(dir, 'recorded.yaml')
    writeFileSync(recorded, 'rules:\n  - name: ids\n    match: { path: /api/users/:id }\n')
    const { proxyUrl, app, db } = await startProxy({
      primary: await startUpstream((_req, res) => json(res, 200, { requestId: 'p', name: 'Ada', at: 1 })),
      candidate: await startUpstream((_req, res) => json(res, 200, { requestId: 'c', name: 'Bob', at: 2 })),
      rules: recorded,
    })
    await (await request(proxyUrl + '/api/users/7')).body.dump()
    await app.drain()
    await app.close()
    const [row] = listDivergences([db], { limit: 1 })

    // Explain against a proposed rule set: which differences would it hide?
    const proposed = join(dir, 'proposed.yaml')
    writeFileSync(proposed, 'rules:\n  - name: volatile\n    ignore: { body: [/requestId, /at] }\n  - name: unrelated\n    match: { path: /other }\n')
    const [text, { code, stdout, stderr }] = await Promise.all([
      runCli(['rules', 'explain', '--db', db, '--id', row.id, '--rules', proposed]),
      runCli(['rules', 'explain', '--db', db, '--id', row.id, '--rules', proposed, '--format', 'json']),
    ])
    // Text by default: each matching rule, what it removed, and what is left.
    expect(text.code).toBe(0)
    expect(text.stdout).toContain(`exchange ${row.id}: GET /api/users/7 (route /api/users/:id)`)
    expect(text.stdout).toContain(`rules from ${proposed}: 1 matched`)
    expect(text.stdout).toMatch(new RegExp(`  volatile \\(${proposed.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2\\) removed 2 differences:\n`))
    expect(text.stdout).toContain('    - body /requestId replace: "c"')
    expect(text.stdout).toContain('    - body /at replace: 2')
    expect(text.stdout).toContain('still divergent with these rules (1):\n  - body /name replace: "Bob"')
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const out = JSON.parse(stdout) as { rules: { rule: string; removed: { kind: string; ops?: { path: string }[] }[] }[]; divergences: unknown[] }
    expect(out.rules.map((r) => r.rule)).toEqual(['volatile'])
    const removed = out.rules[0].removed.flatMap((d) => d.ops?.map((o) => o.path) ?? [])
    expect(removed.sort()).toEqual(['/at', '/requestId'])

    const missing = await runCli(['rules', 'explain', '--db', db, '--id', 'nope'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/--id nope: no recorded exchange/)
  })
})

import { describe, expect, it } from 'vitest'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { runCli } from '../helpers/cli.js'
import { openDatabase } from '../../src/store/open-database.js'
import { Recorder } from '../../src/store/recorder.js'
import { bodyDivergence, exchange, tempDir } from '../store/fixtures.js'

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0)

/** One instance's database: `compared` exchanges, the first `divergent` of them divergent. */
function instanceDb(file: string, name: string, compared: number, divergent: number): void {
  const recorder = new Recorder(openDatabase(file), { flushIntervalMs: 0 })
  for (let i = 0; i < compared; i++) {
    const at = T0 + i * 1000
    recorder.count(at, 'GET', '/api/users/:id', 'served')
    recorder.count(at, 'GET', '/api/users/:id', 'mirrored')
    recorder.recordCompared(exchange({ id: `${name}-${i}`, at, url: `/api/users/${i}`, divergences: i < divergent ? [bodyDivergence('/email', null)] : [] }))
  }
  recorder.close()
}

describe('report, gate and diffs over a fleet (CLI)', () => {
  it('merge several --db files or a folder of them into one verdict', async () => {
    const fleet = join(tempDir(), 'fleet')
    mkdirSync(fleet)
    const a = join(fleet, 'a.db')
    const b = join(fleet, 'b.db')
    instanceDb(a, 'a', 60, 0) // 0 %
    instanceDb(b, 'b', 60, 3) // 5 %; together 3/120 = 2.5 %

    const merged = await runCli(['report', '--db', a, '--db', b, '--format', 'json', '--out', '-'])
    expect(merged.code).toBe(0)
    const report = JSON.parse(merged.stdout) as { sources: string[]; totals: { compared: number; divergent: number; served: number } }
    expect(report.sources).toEqual([a, b])
    expect(report.totals).toMatchObject({ served: 120, compared: 120, divergent: 3 })

    // The folder stands for every *.db in it: the fleet's verdict, not one instance's.
    const gate = await runCli(['gate', '--db', fleet, '--max-divergence', '3%', '--format', 'json'])
    expect(gate.code).toBe(0)
    expect(JSON.parse(gate.stdout)).toMatchObject({ ok: true, samples: 120, divergenceRate: 0.025 })
    const strict = await runCli(['gate', '--db', fleet, '--max-divergence', '2%'])
    expect(strict.code).toBe(1)
    expect(strict.stdout).toContain('divergence 2.5% > 2.0% (3/120)')
    // Instance b alone would fail the 3 % gate the fleet passes.
    expect((await runCli(['gate', '--db', b, '--max-divergence', '3%'])).code).toBe(1)

    const diffs = await runCli(['diffs', '--db', fleet])
    expect(diffs.code).toBe(0)
    expect(diffs.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { id: string }).id).sort()).toEqual(['b-0', 'b-1', 'b-2'])
  })
})

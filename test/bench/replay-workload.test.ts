/**
 * bench/replay.js's workload is what it claims: capture lines of small JSON
 * requests (every fifth a POST with a body) that replay whole, every one
 * compared, none divergent against two identical upstreams.
 */
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '../helpers/proxy.js'
import { jsonService, replay } from '../replay/replay-kit.js'
import { writeCapture } from '../../bench/lib/replay-workload.js'

// Each test runs the real CLI several times on a shared 2-core machine.
describe('bench replay workload', { timeout: 120_000 }, () => {
  it('is valid capture lines that replay whole with --allow-unsafe', async () => {
    const dir = tempDir()
    const file = join(dir, 'captured.ndjson')
    const bytes = await writeCapture(file, 250)
    const lines = readFileSync(file, 'utf8').trim().split('\n')
    expect(lines).toHaveLength(250)
    expect(Buffer.byteLength(readFileSync(file))).toBe(bytes)
    expect(lines.filter((l) => JSON.parse(l).method === 'POST')).toHaveLength(50)
    const [primary, candidate] = await Promise.all([jsonService(), jsonService()])
    const run = await replay(['--from', file, '--primary', primary.url, '--candidate', candidate.url, '--allow-unsafe', '--concurrency', '64', '--min-samples', '250'], { dir })
    expect(run.code, run.stdout + run.stderr).toBe(0)
    expect(run.stdout).toContain('sent 250 in')
    expect(run.stdout).toContain('compared 250, divergent 0 (0.0%), errors 0')
    expect(primary.received.filter((r) => r.method === 'POST').every((r) => JSON.parse(r.body).note === 'bench order')).toBe(true)
    expect(candidate.received).toHaveLength(250)
  })
})

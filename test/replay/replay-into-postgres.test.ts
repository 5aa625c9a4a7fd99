/**
 * `shadowdiff replay --db postgres://…` records into the shared database
 * and keeps what was there: two replays add up in the database, and each
 * replay's gate judges its own run only (the window since it began).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/proxy.js'
import { startPgCluster, type PgCluster } from '../helpers/pg-cluster.js'
import { createDatabase } from '../helpers/pg-database.js'
import { readReport } from '../../src/report/read-report.js'
import { captureLine, jsonService, replay, writeLines } from './replay-kit.js'

let cluster: PgCluster
beforeAll(async () => {
  cluster = await startPgCluster()
})
afterAll(() => cluster?.stop())

describe('replay into PostgreSQL', { timeout: 60_000 }, () => {
  it('adds to the shared database, and gates on its own run', async () => {
    const primary = await jsonService()
    const candidate = await jsonService((_m, path) => path.endsWith('/7'))
    const url = await createDatabase(cluster)
    const dir = tempDir()
    const file = writeLines(dir, 'captured.ndjson', Array.from({ length: 20 }, (_, i) => captureLine('GET', `http://shop.example/api/items/${i}`)))
    const args = ['--from', file, '--primary', primary.url, '--candidate', candidate.url, '--db', url, '--min-samples', '20', '--max-divergence', '0.1']
    const first = await replay(args, { dir })
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toMatch(/PASS: of 20 compared exchanges, 5\.0% diverged/)
    // The second run's gate sees its own 20 exchanges, not 40.
    await new Promise((r) => setTimeout(r, 1100))
    const second = await replay(args, { dir })
    expect(second.code, second.stderr).toBe(0)
    expect(second.stdout).toMatch(/PASS: of 20 compared exchanges, 5\.0% diverged/)
    const all = await readReport([url])
    expect(all.totals.compared).toBe(40)
    expect(all.totals.divergent).toBe(2)
  })
})

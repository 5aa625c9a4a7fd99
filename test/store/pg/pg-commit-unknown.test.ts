/**
 * The connection drops after COMMIT was sent, before its answer came back:
 * the batch may have committed. The writer asks the database (by the
 * flush's id) instead of writing the batch again, so a flaky network or a
 * failover never counts exchanges twice.
 *
 * Made real with synchronous replication to a standby that does not exist:
 * COMMIT commits locally, then waits for the standby; terminating that
 * backend then loses the answer of a transaction that did commit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPgEngine } from '../../../src/store/pg/pg-engine.js'
import { Recorder } from '../../../src/store/recorder.js'
import { startPgCluster, type PgCluster } from '../../helpers/pg-cluster.js'
import { createDatabase, queryDatabase } from '../../helpers/pg-database.js'

let cluster: PgCluster
beforeAll(async () => {
  cluster = await startPgCluster()
})
afterAll(() => cluster?.stop())

async function until(what: string, cond: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('a COMMIT whose answer is lost', () => {
  it('is looked up, not written twice: the sums stay exact', async () => {
    const url = await createDatabase(cluster)
    // The writer's sessions wait for synchronous replication (the test cluster turns synchronous_commit off).
    const writerUrl = `${url}?options=${encodeURIComponent('-c synchronous_commit=on')}`
    const recorder = new Recorder(await openPgEngine(writerUrl, { retention: { exactWindowHours: 0 } }), { flushIntervalMs: 0 })
    const at = Date.UTC(2025, 0, 1, 12, 0, 0)
    for (let i = 0; i < 25; i++) recorder.count(at + i, 'GET', '/r', 'served')
    await recorder.flushed()

    await queryDatabase(cluster.url, "ALTER SYSTEM SET synchronous_standby_names = 'ghost'")
    await queryDatabase(cluster.url, 'SELECT pg_reload_conf()')
    try {
      for (let i = 0; i < 40; i++) recorder.count(at + i, 'GET', '/r', 'served')
      const flushing = recorder.flushed()
      // The COMMIT is done locally and waits for the ghost standby: cut its connection there.
      await until('a COMMIT waiting for the standby', async () => {
        const rows = await queryDatabase(cluster.url, "SELECT pid FROM pg_stat_activity WHERE wait_event = 'SyncRep'")
        if (rows.length === 0) return false
        await queryDatabase(cluster.url, 'SELECT pg_terminate_backend($1)', [rows[0].pid])
        return true
      })
      await queryDatabase(cluster.url, 'ALTER SYSTEM RESET synchronous_standby_names')
      await queryDatabase(cluster.url, 'SELECT pg_reload_conf()')
      await flushing
    } finally {
      await queryDatabase(cluster.url, 'ALTER SYSTEM RESET synchronous_standby_names')
      await queryDatabase(cluster.url, 'SELECT pg_reload_conf()')
    }
    // Whatever the recorder decided, a later flush must not add the 40 again.
    recorder.count(at, 'GET', '/r', 'served')
    await recorder.flushed()
    await recorder.close()
    const [row] = await queryDatabase<{ served: string }>(url, 'SELECT sum(served)::text AS served FROM counters')
    expect(row.served).toBe(String(25 + 40 + 1))
    expect(recorder.stats()).toMatchObject({ lost: 0, pending: 0 })
  })
})

/**
 * The control plane's tables in the shared PostgreSQL, versioned apart from
 * the data plane's (key `control_version` in the `meta` table both share), created by
 * whichever instance of a fleet starting at once gets the migrate lock
 * first; the others find them current.
 *
 * - `split_control`: one row, the fleet's state. `revision` grows by one on
 *   every change, so an instance knows whether it is behind (poll) and a
 *   driver can write only on the revision it last saw (compare-and-set).
 *   `change` is the last traffic change's type, actor and cause, so an
 *   instance that follows replays a rollback as a rollback.
 * - the audit trail is the data tables' `events` (src/store/pg/pg-schema.ts),
 *   which reports and /api/events read: each change's events are written
 *   in the same transaction as its revision, so the data tables must exist
 *   first (serve opens the store, then the control plane).
 * - `split_commands`: promotion commands (start, continue) relayed from the
 *   instance that received them to the one that drives.
 */
import { ADVISORY_LOCKS, withAdvisoryLock, type PgPool } from '../store/pg/pg-connection.js'
import type { TrafficState } from './audit-event.js'
import { IDLE_STATUS } from './promotion-plan.js'

export const CONTROL_VERSION = 1

/** Channels of NOTIFY: a new revision (payload: the revision), a relayed command (payload: its id). */
export const CHANNELS = { revision: 'shadowdiff_split', command: 'shadowdiff_split_cmd' } as const

const V1 = `
CREATE TABLE IF NOT EXISTS split_control (
  id         integer PRIMARY KEY CHECK (id = 1),
  revision   bigint NOT NULL,
  traffic    jsonb NOT NULL,
  promotion  jsonb NOT NULL,
  change     jsonb,
  changed_by text NOT NULL,
  updated_at bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS split_commands (
  id         bigserial PRIMARY KEY,
  kind       text NOT NULL,
  body       jsonb NOT NULL,
  actor      text NOT NULL,
  created_at bigint NOT NULL,
  claimed_by text,
  result     jsonb,
  error      jsonb
);`

/**
 * Creates or upgrades the control tables, and the state row (shadow, with
 * `initial`'s reverse shadow) when there is none. Safe to run from every
 * instance at once.
 */
export async function migrateControl(pool: PgPool, initial: TrafficState, instance: string): Promise<void> {
  await withAdvisoryLock(pool, ADVISORY_LOCKS.migrate, async (client) => {
    const events = await client.query<{ t: string | null }>("SELECT to_regclass('events')::text AS t")
    if (events.rows[0].t === null) throw new Error('the data tables (events) are missing: open the store (openStore) before the control plane')
    await client.query('CREATE TABLE IF NOT EXISTS meta (key text PRIMARY KEY, value text NOT NULL)')
    const { rows } = await client.query<{ value: string }>("SELECT value FROM meta WHERE key = 'control_version'")
    const version = rows.length === 0 ? 0 : Number(rows[0].value)
    if (version > CONTROL_VERSION) {
      throw new Error(`the shared database's control tables are version ${version}, newer than this shadowdiff's ${CONTROL_VERSION}; upgrade this instance`)
    }
    if (version < 1) {
      await client.query('BEGIN')
      try {
        await client.query(V1)
        await client.query(
          "INSERT INTO meta (key, value) VALUES ('control_version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
          [String(CONTROL_VERSION)],
        )
        await client.query('COMMIT')
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {})
        throw err
      }
    }
    await client.query(
      `INSERT INTO split_control (id, revision, traffic, promotion, change, changed_by, updated_at)
       VALUES (1, 0, $1, $2, NULL, $3, $4) ON CONFLICT (id) DO NOTHING`,
      [JSON.stringify(initial), JSON.stringify(IDLE_STATUS), instance, Date.now()],
    )
  })
}

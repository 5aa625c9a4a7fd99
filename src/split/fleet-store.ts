/**
 * The control plane's SQL (PostgreSQL dialect, kept here and out of the
 * callers): read the shared state, change it as an operator, commit a
 * driver's promotion step, list the audit trail, relay commands.
 *
 * Every change is one transaction: the state row with its revision plus
 * one, the change's audit events, and a NOTIFY that PostgreSQL delivers at
 * commit, so an instance never hears of a revision it cannot read yet.
 */
import type { PoolClient } from 'pg'
import type { PgPool } from '../store/pg/pg-connection.js'
import type { AuditEvent as ReportAuditEvent } from '../report/report-types.js'
import type { AuditEvent, TrafficState } from './audit-event.js'
import type { PromotionStatus } from './promotion-plan.js'
import { CHANNELS } from './fleet-schema.js'

/** The last traffic change, so a follower replays a rollback as a rollback. */
export interface ChangeNote {
  type: 'mode' | 'weight' | 'rollback'
  actor: string
  cause: string
}

/** The fleet's shared state at one revision. */
export interface SharedRow {
  revision: number
  traffic: TrafficState
  promotion: PromotionStatus
  change: ChangeNote | null
  changedBy: string
}

/** What a change writes: the new state and its audit events. */
export interface Draft {
  traffic: TrafficState
  promotion: PromotionStatus
  change: ChangeNote | null
  events: AuditEvent[]
}

export interface RelayedCommand {
  id: number
  kind: 'start' | 'continue'
  body: Record<string, unknown>
  actor: string
}

export interface CommandOutcome {
  claimedBy: string | null
  result: unknown
  error: { code: string; message: string; statusCode: number } | null
}

const SELECT_ROW = 'SELECT revision, traffic, promotion, change, changed_by FROM split_control WHERE id = 1'

export class FleetStore {
  readonly pool: PgPool
  readonly instance: string

  constructor(pool: PgPool, instance: string) {
    this.pool = pool
    this.instance = instance
  }

  /** The shared state if its revision is above `after`, else undefined (a poll that finds nothing new is cheap). */
  async read(after = -1): Promise<SharedRow | undefined> {
    const { rows } = await this.pool.query(`${SELECT_ROW} AND revision > $1`, [after])
    return rows.length === 0 ? undefined : toRow(rows[0])
  }

  /**
   * An operator's change (any instance): locks the row, lets `decide` build
   * the draft from the state as it is in the database (not as this instance
   * last saw it), writes it. `decide` returning null changes nothing.
   * Returns the state after, and whether it changed.
   */
  async change(decide: (current: SharedRow) => Draft | null): Promise<{ row: SharedRow; changed: boolean }> {
    return this.#transaction(async (client) => {
      const { rows } = await client.query(`${SELECT_ROW} FOR UPDATE`)
      if (rows.length === 0) throw new Error('split_control has no state row (the control tables were not migrated)')
      const current = toRow(rows[0])
      const draft = decide(current)
      if (draft === null) return { row: current, changed: false }
      return { row: await this.#write(client, current.revision, draft), changed: true }
    })
  }

  /**
   * A driver's commit: written only if the state is still at `expected` and
   * the session `leasePid` still holds the driver lock, so a driver that lost
   * its lease (or raced an operator) can never overwrite a newer state.
   * Returns the new state, or null when either condition failed.
   */
  async commitAsDriver(expected: number, lease: { pid: number; key: number }, draft: Draft): Promise<SharedRow | null> {
    return this.#transaction(async (client) => {
      // Single-argument advisory locks show in pg_locks with the key's high half in classid, low half in objid, objsubid 1.
      const { rows } = await client.query(
        `${SELECT_ROW} AND revision = $1 AND EXISTS (
           SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND granted
             AND classid = $2::bigint::oid AND objid = $3::bigint::oid AND pid = $4)
         FOR UPDATE`,
        [expected, Math.floor(lease.key / 2 ** 32), lease.key % 2 ** 32, lease.pid],
      )
      if (rows.length === 0) return null
      return this.#write(client, expected, draft)
    })
  }

  /** The audit trail, oldest first, in the shape of GET /api/events. */
  async events(opts: { since?: number; limit?: number } = {}): Promise<ReportAuditEvent[]> {
    const { rows } = await this.pool.query(
      'SELECT at, type, actor, cause, data FROM events WHERE at >= $1 ORDER BY at ASC, seq ASC LIMIT $2',
      [opts.since ?? 0, opts.limit ?? 1000],
    )
    return rows.map((e: { at: string; type: string; actor: string; cause: string; data: string | null }) => ({
      at: new Date(Number(e.at)).toISOString(),
      type: e.type,
      actor: e.actor,
      cause: e.cause,
      ...(e.data !== null && { data: JSON.parse(e.data) as Record<string, unknown> }),
    }))
  }

  /** Queues a command for the driver and wakes it. */
  async enqueue(kind: RelayedCommand['kind'], body: Record<string, unknown>, actor: string): Promise<number> {
    const { rows } = await this.pool.query(
      `WITH c AS (INSERT INTO split_commands (kind, body, actor, created_at) VALUES ($1, $2, $3, $4) RETURNING id)
       SELECT id, pg_notify($5, id::text) FROM c`,
      [kind, JSON.stringify(body), actor, Date.now(), CHANNELS.command],
    )
    return Number(rows[0].id)
  }

  /** Takes a command for this instance; undefined when another took it (or it expired). */
  async claim(id: number): Promise<RelayedCommand | undefined> {
    const { rows } = await this.pool.query(
      'UPDATE split_commands SET claimed_by = $2 WHERE id = $1 AND claimed_by IS NULL RETURNING id, kind, body, actor',
      [id, this.instance],
    )
    return rows.length === 0 ? undefined : { id: Number(rows[0].id), kind: rows[0].kind, body: rows[0].body, actor: rows[0].actor }
  }

  /** Commands nobody took, younger than `maxAgeMs` (a new driver picks them up). */
  async unclaimed(maxAgeMs: number): Promise<number[]> {
    const { rows } = await this.pool.query('SELECT id FROM split_commands WHERE claimed_by IS NULL AND created_at > $1 ORDER BY id', [Date.now() - maxAgeMs])
    return rows.map((r: { id: string }) => Number(r.id))
  }

  async finish(id: number, outcome: { result: unknown } | { error: CommandOutcome['error'] }): Promise<void> {
    const result = 'result' in outcome ? JSON.stringify(outcome.result) : null
    const error = 'error' in outcome ? JSON.stringify(outcome.error) : null
    await this.pool.query('UPDATE split_commands SET result = $2, error = $3 WHERE id = $1', [id, result, error])
  }

  async outcome(id: number): Promise<CommandOutcome> {
    const { rows } = await this.pool.query('SELECT claimed_by, result, error FROM split_commands WHERE id = $1', [id])
    return { claimedBy: rows[0]?.claimed_by ?? null, result: rows[0]?.result ?? null, error: rows[0]?.error ?? null }
  }

  /** Withdraws a command nobody took; false when a driver took it meanwhile. */
  async expire(id: number): Promise<boolean> {
    const { rowCount } = await this.pool.query("UPDATE split_commands SET claimed_by = 'expired' WHERE id = $1 AND claimed_by IS NULL", [id])
    return rowCount === 1
  }

  async #write(client: PoolClient, from: number, draft: Draft): Promise<SharedRow> {
    const revision = from + 1
    const now = Date.now()
    await client.query(
      'UPDATE split_control SET revision = $1, traffic = $2, promotion = $3, change = $4, changed_by = $5, updated_at = $6 WHERE id = 1',
      [revision, JSON.stringify(draft.traffic), JSON.stringify(draft.promotion), draft.change === null ? null : JSON.stringify(draft.change), this.instance, now],
    )
    if (draft.events.length > 0) {
      // One multi-row insert for the change's events (a promotion step has two: traffic and promotion).
      const values: unknown[] = []
      const tuples = draft.events.map((e, i) => {
        values.push(e.at, e.type, e.actor, e.cause, JSON.stringify(e.data))
        const b = i * 5
        return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5})`
      })
      await client.query(`INSERT INTO events (at, type, actor, cause, data) VALUES ${tuples.join(', ')}`, values)
    }
    await client.query('SELECT pg_notify($1, $2)', [CHANNELS.revision, String(revision)])
    return { revision, traffic: draft.traffic, promotion: draft.promotion, change: draft.change, changedBy: this.instance }
  }

  async #transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect()
    let broken = false
    try {
      await client.query('BEGIN')
      const out = await fn(client)
      await client.query('COMMIT')
      return out
    } catch (err) {
      await client.query('ROLLBACK').catch(() => (broken = true))
      throw err
    } finally {
      // A connection that cannot even roll back is dropped rather than reused.
      client.release(broken)
    }
  }
}

function toRow(r: { revision: string; traffic: TrafficState; promotion: PromotionStatus; change: ChangeNote | null; changed_by: string }): SharedRow {
  return { revision: Number(r.revision), traffic: Object.freeze(r.traffic), promotion: r.promotion, change: r.change, changedBy: r.changed_by }
}

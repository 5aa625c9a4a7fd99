/**
 * SQLite persistence for the split stage, so a restart neither forgets a
 * promotion halfway through nor silently sends every user back to one side.
 *
 * Two single-row tables (the row's id is pinned to 1): `split_promotion`
 * holds the last promotion as JSON, `split_traffic` the last traffic state.
 * Writes happen once per change (a few per promotion step), never per
 * request, so a plain synchronous statement is fine.
 */
import type { Database, Statement } from 'better-sqlite3'
import { DatabaseUnavailable } from '../errors.js'
import type { TrafficState } from './audit-event.js'
import type { PromotionStatus } from './promotion-plan.js'
import { resolveState, SHADOW_STATE } from './traffic-mode.js'
import type { TrafficMode } from './traffic-mode.js'

/** Bumped when the stored JSON shape changes; rows of another version are ignored. */
export const SPLIT_SCHEMA_VERSION = 1

const SCHEMA = `
CREATE TABLE IF NOT EXISTS split_promotion (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL,
  state TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS split_traffic (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL,
  state TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);`

interface Row {
  version: number
  state: string
}

/** A single JSON row in one of the split tables. */
class JsonRow<T> {
  #get: Statement<[], Row>
  #put: Statement<[number, string, number]>
  #db: Database
  #table: string

  constructor(db: Database, table: string) {
    this.#db = db
    this.#table = table
    this.#get = db.prepare(`SELECT version, state FROM ${table} WHERE id = 1`)
    this.#put = db.prepare(
      `INSERT INTO ${table} (id, version, state, updated_at) VALUES (1, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET version = excluded.version, state = excluded.state, updated_at = excluded.updated_at`,
    )
  }

  load(): T | undefined {
    const row = this.#get.get()
    if (row === undefined || row.version !== SPLIT_SCHEMA_VERSION) return undefined
    try {
      return JSON.parse(row.state) as T
    } catch (err) {
      throw new DatabaseUnavailable(this.#db.name, `${this.#table} holds invalid JSON (${(err as Error).message})`, { cause: err })
    }
  }

  save(value: T, now: number): void {
    this.#put.run(SPLIT_SCHEMA_VERSION, JSON.stringify(value), now)
  }
}

/** The last promotion (active or finished), one row. */
export class PromotionStore {
  #row: JsonRow<PromotionStatus>

  /** Creates the split tables if they do not exist. */
  constructor(db: Database) {
    db.exec(SCHEMA)
    this.#row = new JsonRow(db, 'split_promotion')
  }

  load(): PromotionStatus | undefined {
    return this.#row.load()
  }

  save(status: PromotionStatus, now: number = Date.now()): void {
    this.#row.save(status, now)
  }
}

/** The last traffic state, one row. */
export class TrafficStore {
  #row: JsonRow<TrafficState>

  constructor(db: Database) {
    db.exec(SCHEMA)
    this.#row = new JsonRow(db, 'split_traffic')
  }

  /** The stored state, validated; undefined when none was stored. */
  load(): TrafficState | undefined {
    const stored = this.#row.load()
    return stored === undefined ? undefined : resolveState(SHADOW_STATE, stored)
  }

  save(state: TrafficState, now: number = Date.now()): void {
    this.#row.save(state, now)
  }
}

/**
 * Restores the last traffic state into `traffic` (audit actor `restart`) and
 * saves every later change. Call once at startup, before the proxy listens
 * and before constructing `Promotion`. Returns the unsubscribe function.
 */
export function persistTraffic(traffic: TrafficMode, db: Database): () => void {
  const store = new TrafficStore(db)
  const stored = store.load()
  if (stored !== undefined) traffic.set(stored, { actor: 'restart', cause: 'restored the traffic state saved before the restart' })
  return traffic.subscribe((event) => {
    if (event.type !== 'promotion') store.save(event.data.to, event.at)
  })
}

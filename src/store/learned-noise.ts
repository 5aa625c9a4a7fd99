/**
 * Learned noise in SQLite: what the noise stage (src/noise) learned from
 * primary-vs-secondary comparisons, loaded when the proxy starts so noise is
 * still recognised for exchanges whose secondary was sampled out or failed,
 * and read by the report to judge each field against its noise rate.
 *
 * Rows hold totals, not deltas: the proxy loads them at start and writes
 * back the changed ones (one database file per proxy instance). Reports
 * over several files add the totals up.
 */
import type { Database } from 'better-sqlite3'

/** Exchanges per (method, route) where the secondary answered: the noise sample size. */
export interface LearnedRouteRow {
  method: string
  route: string
  exchanges: number
  first_at: number
  last_at: number
}

/** One (method, route, field, op) that differed between primary and secondary. */
export interface LearnedFieldRow {
  method: string
  route: string
  /** Folded JSON Pointer, `header:<name>` or `status`, as in the `fields` table. */
  field: string
  /** `replace`, `add`, `remove`, `move` (order only), `header` or `status`. */
  op: string
  /** `order`, `numeric`, `format`, `presence` or `value` (see src/noise/noise-profile.ts). */
  kind: string
  /** Exchanges where primary and secondary differed here. */
  observed: number
  /** Of those, number → number differences. */
  numeric: number
  /** Largest |primary − secondary| of the numeric differences. */
  max_magnitude: number
  /** Of those, differences that kept the value's format. */
  format_preserving: number
  /** JSON array of the formats seen (src/noise/value-format.ts); `*` when there were too many. */
  formats: string
  first_at: number
  last_at: number
}

export interface LearnedNoiseBatch {
  routes: LearnedRouteRow[]
  fields: LearnedFieldRow[]
}

/** Every learned row of one database. */
export function readLearnedNoise(db: Database): LearnedNoiseBatch {
  return {
    routes: db.prepare('SELECT method, route, exchanges, first_at, last_at FROM learned_noise_routes').all() as LearnedRouteRow[],
    fields: db
      .prepare('SELECT method, route, field, op, kind, observed, numeric, max_magnitude, format_preserving, formats, first_at, last_at FROM learned_noise')
      .all() as LearnedFieldRow[],
  }
}

/** Prepares the statements once; the returned function writes a batch in one transaction. */
export function createLearnedNoiseWriter(db: Database): (batch: LearnedNoiseBatch) => void {
  const route = db.prepare<LearnedRouteRow>(
    `INSERT OR REPLACE INTO learned_noise_routes (method, route, exchanges, first_at, last_at)
     VALUES (@method, @route, @exchanges, @first_at, @last_at)`,
  )
  const field = db.prepare<LearnedFieldRow>(
    `INSERT OR REPLACE INTO learned_noise (method, route, field, op, kind, observed, numeric, max_magnitude, format_preserving, formats, first_at, last_at)
     VALUES (@method, @route, @field, @op, @kind, @observed, @numeric, @max_magnitude, @format_preserving, @formats, @first_at, @last_at)`,
  )
  const write = db.transaction((batch: LearnedNoiseBatch) => {
    for (const r of batch.routes) route.run(r)
    for (const f of batch.fields) field.run(f)
  })
  return (batch) => write.immediate(batch)
}

/** Where the recorder gets learned-noise rows to write with each flush (the noise canceller). */
export interface LearnedNoiseSource {
  /** Rows changed since the last call, or null when nothing changed. */
  takeDirty(): LearnedNoiseBatch | null
  /** A batch whose write failed: written again at the next flush. */
  putBack(batch: LearnedNoiseBatch): void
}

/**
 * Learned noise in the shared database. The noise stage hands the recorder
 * TOTALS (its counts since it loaded them at start, src/noise). One SQLite
 * file per instance can store totals as they are; a fleet cannot: instance A
 * writing its totals would overwrite B's. So each instance remembers what it
 * loaded or last wrote per row and writes only the DIFFERENCE, which the
 * upsert adds: the stored row is the sum of every instance's learning.
 * Maxima are kept with GREATEST, the formats seen as a union (capped as
 * noise-profile.ts caps them), the times as the earliest first and the
 * latest last.
 */
import type { LearnedFieldRow, LearnedNoiseBatch, LearnedRouteRow } from '../learned-noise.js'
import type { PgClient, PgPool } from './pg-connection.js'

/** noise-profile.ts's MAX_FORMATS: beyond it a row's formats end in '*'. */
const MAX_FORMATS = 16

const ROUTES_SQL = `INSERT INTO learned_noise_routes AS t (method, route, exchanges, first_at, last_at)
  SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[]) AS u(method, route, exchanges, first_at, last_at)
  ORDER BY 1, 2
  ON CONFLICT (method, route) DO UPDATE SET
    exchanges = t.exchanges + excluded.exchanges,
    first_at = LEAST(t.first_at, excluded.first_at),
    last_at = GREATEST(t.last_at, excluded.last_at)`

const FIELDS_SQL = `INSERT INTO learned_noise AS t (method, route, field, op, kind, observed, numeric, max_magnitude, format_preserving, formats, first_at, last_at)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::double precision[],
                       $9::bigint[], $10::text[], $11::bigint[], $12::bigint[])
    AS u(method, route, field, op, kind, observed, numeric, max_magnitude, format_preserving, formats, first_at, last_at)
  ORDER BY 1, 2, 3, 4
  ON CONFLICT (method, route, field, op) DO UPDATE SET
    kind = excluded.kind,
    observed = t.observed + excluded.observed,
    numeric = t.numeric + excluded.numeric,
    max_magnitude = GREATEST(t.max_magnitude, excluded.max_magnitude),
    format_preserving = t.format_preserving + excluded.format_preserving,
    formats = shd_union_formats(t.formats, excluded.formats, ${MAX_FORMATS}),
    first_at = LEAST(t.first_at, excluded.first_at),
    last_at = GREATEST(t.last_at, excluded.last_at)`

/** Every learned row of the database (the fleet's sums), numbers as numbers. */
export async function readPgLearnedNoise(pool: PgPool | PgClient): Promise<LearnedNoiseBatch> {
  const routes = await pool.query('SELECT method, route, exchanges, first_at, last_at FROM learned_noise_routes')
  const fields = await pool.query(
    'SELECT method, route, field, op, kind, observed, numeric, max_magnitude, format_preserving, formats, first_at, last_at FROM learned_noise',
  )
  return {
    routes: routes.rows.map((r) => ({ method: r.method, route: r.route, exchanges: Number(r.exchanges), first_at: Number(r.first_at), last_at: Number(r.last_at) })),
    fields: fields.rows.map((f) => ({
      method: f.method,
      route: f.route,
      field: f.field,
      op: f.op,
      kind: f.kind,
      observed: Number(f.observed),
      numeric: Number(f.numeric),
      max_magnitude: Number(f.max_magnitude),
      format_preserving: Number(f.format_preserving),
      formats: f.formats,
      first_at: Number(f.first_at),
      last_at: Number(f.last_at),
    })),
  }
}

/** Turns this instance's totals into the differences to add, against what it loaded or last wrote. */
export class LearnedDeltas {
  #routes = new Map<string, LearnedRouteRow>()
  #fields = new Map<string, LearnedFieldRow>()

  /** What was loaded at start: the totals the noise stage starts from. */
  constructor(loaded: LearnedNoiseBatch) {
    for (const r of loaded.routes) this.#routes.set(routeKey(r), r)
    for (const f of loaded.fields) this.#fields.set(fieldKey(f), f)
  }

  /** Writes the differences of `batch` in one transaction; remembers it as written only once committed. */
  async write(client: PgClient, batch: LearnedNoiseBatch): Promise<void> {
    const routes = batch.routes.map((r) => {
      const was = this.#routes.get(routeKey(r))
      return { ...r, exchanges: r.exchanges - (was?.exchanges ?? 0) }
    })
    const fields = batch.fields.map((f) => {
      const was = this.#fields.get(fieldKey(f))
      return {
        ...f,
        observed: f.observed - (was?.observed ?? 0),
        numeric: f.numeric - (was?.numeric ?? 0),
        format_preserving: f.format_preserving - (was?.format_preserving ?? 0),
      }
    })
    await client.query('BEGIN')
    try {
      if (routes.length > 0) {
        const col = <K extends keyof LearnedRouteRow>(k: K) => routes.map((r) => r[k])
        await client.query(ROUTES_SQL, [col('method'), col('route'), col('exchanges'), col('first_at'), col('last_at')])
      }
      if (fields.length > 0) {
        const col = <K extends keyof LearnedFieldRow>(k: K) => fields.map((f) => f[k])
        await client.query(FIELDS_SQL, [
          col('method'), col('route'), col('field'), col('op'), col('kind'), col('observed'), col('numeric'),
          col('max_magnitude'), col('format_preserving'), col('formats'), col('first_at'), col('last_at'),
        ])
      }
      await client.query('COMMIT')
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {})
      throw err
    }
    for (const r of batch.routes) this.#routes.set(routeKey(r), r)
    for (const f of batch.fields) this.#fields.set(fieldKey(f), f)
  }
}

function routeKey(r: { method: string; route: string }): string {
  return `${r.method}\u0000${r.route}`
}

function fieldKey(f: { method: string; route: string; field: string; op: string }): string {
  return `${f.method}\u0000${f.route}\u0000${f.field}\u0000${f.op}`
}

/**
 * buildReport over any `--db` values, PostgreSQL included: the sources are
 * made readable first (src/store/pg/readable-sources.ts), then the one
 * report builder runs on them, so a report over PostgreSQL equals the one
 * over SQLite for the same exchanges.
 */
import type { PgPool } from '../store/pg/pg-connection.js'
import { withReadableSources } from '../store/pg/readable-sources.js'
import { buildReport } from './build-report.js'
import type { BuildReportOptions } from './build-report.js'
import type { Report } from './report-types.js'

/**
 * @example
 *   const report = await readReport(['postgres://sd@db/shadowdiff'], { since: Date.now() - 900_000 })
 */
export function readReport(sources: readonly string[], opts: BuildReportOptions = {}, pool?: PgPool): Promise<Report> {
  return withReadableSources(sources, { since: opts.since, until: opts.until }, ({ files, names }) => buildReport(files, { ...opts, sourceNames: names }), { pool })
}

/**
 * The one door of every reader to PostgreSQL: `withReadableSources` turns
 * `--db` values into SQLite files the synchronous readers open (report,
 * gate, diffs, rules explain, rules suggest). SQLite files pass through as
 * they are; a PostgreSQL URL becomes a private snapshot of the rows the
 * reader's window needs (pg-snapshot.ts), deleted when `fn` is done.
 *
 * A PostgreSQL database already holds the whole fleet, so it is read alone:
 * mixing it with SQLite files is refused (merge files with files).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { DatabaseUnavailable, UsageError } from '../../errors.js'
import { describeDatabase, isPostgresUrl } from '../database-url.js'
import { connectPostgres, explainPgError } from './pg-connection.js'
import type { PgPool } from './pg-connection.js'
import { PG_SCHEMA_VERSION, PG_VERSION_KEY } from './pg-schema.js'
import { snapshotPg } from './pg-snapshot.js'
import type { SnapshotCounts, SnapshotScope } from './pg-snapshot.js'

export type { SnapshotScope }

export interface ReadableSources {
  /** SQLite files to open read-only. */
  files: string[]
  /** What to call each one in a report (a URL with its password masked). */
  names: string[]
  /** Rows copied into the snapshot, when there was one. */
  copied?: SnapshotCounts
}

/** Refuses a PostgreSQL URL beside other --db values, with what to do instead. */
export function checkSourceMix(sources: readonly string[]): void {
  const urls = sources.filter(isPostgresUrl)
  if (urls.length > 0 && sources.length > 1) {
    throw new UsageError(
      `--db ${urls.map(describeDatabase).join(', ')}: a PostgreSQL database already holds the whole fleet and is read alone; pass it as the only --db (merge SQLite files with files)`,
    )
  }
}

/**
 * Runs `fn` on readable SQLite files for `sources`.
 *
 * @example
 *   const report = await withReadableSources(['postgres://sd@db/shadowdiff'], { since }, ({ files, names }) =>
 *     buildReport(files, { since, sourceNames: names }))
 */
export async function withReadableSources<T>(
  sources: readonly string[],
  scope: SnapshotScope,
  fn: (readable: ReadableSources) => T | Promise<T>,
  opts: { pool?: PgPool } = {},
): Promise<T> {
  checkSourceMix(sources)
  if (sources.length !== 1 || !isPostgresUrl(sources[0])) return fn({ files: [...sources], names: [...sources] })
  const url = sources[0]
  const pool = opts.pool ?? (await connectPostgres(url, { max: 2, applicationName: 'shadowdiff reader' }))
  const dir = mkdtempSync(path.join(tmpdir(), 'shadowdiff-read-'))
  try {
    const file = path.join(dir, 'snapshot.db')
    let copied: SnapshotCounts
    try {
      await checkReadable(pool, url)
      copied = await snapshotPg(pool, file, scope)
    } catch (err) {
      if (err instanceof DatabaseUnavailable) throw err
      throw new DatabaseUnavailable(describeDatabase(url), `reading failed: ${explainPgError(err)}`, { cause: err })
    }
    return await fn({ files: [file], names: [describeDatabase(url)], copied })
  } finally {
    rmSync(dir, { recursive: true, force: true })
    if (opts.pool === undefined) await pool.end().catch(() => {})
  }
}

/** A database nobody has recorded into yet, or one of a newer build: say so instead of a missing-table error. */
async function checkReadable(pool: PgPool, url: string): Promise<void> {
  const meta = await pool.query<{ t: string | null }>(`SELECT to_regclass('meta')::text AS t`)
  const version =
    meta.rows[0]?.t == null ? 0 : Number((await pool.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [PG_VERSION_KEY])).rows[0]?.value ?? 0)
  if (version === 0) {
    throw new DatabaseUnavailable(describeDatabase(url), `no shadowdiff data in this database yet; record some with 'shadowdiff serve --db ${describeDatabase(url)}' first`)
  }
  if (version > PG_SCHEMA_VERSION) {
    throw new DatabaseUnavailable(describeDatabase(url), `schema version ${version} is newer than this shadowdiff supports (${PG_SCHEMA_VERSION}); upgrade shadowdiff`)
  }
}

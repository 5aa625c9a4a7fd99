/**
 * Opens a shadowdiff SQLite file: WAL, `synchronous = NORMAL`, a busy
 * timeout, and the schema migrated to SCHEMA_VERSION (schema.ts).
 */
import fs from 'node:fs'
import path from 'node:path'
import Sqlite from 'better-sqlite3'
import type { Database } from 'better-sqlite3'
import { DatabaseUnavailable } from '../errors.js'
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js'

export type { Database }

export interface OpenOptions {
  /** Open for reading only (reports, `diffs`): never creates or migrates the file. */
  readonly?: boolean
  /**
   * How long a statement waits for another connection's lock, in ms.
   * better-sqlite3 is synchronous, so a writer's wait blocks the event loop
   * and with it the proxy: the writer default is short (100 ms) and a failed
   * flush simply retries later. Readers default to 5 s.
   */
  busyTimeoutMs?: number
}

/**
 * Opens (and for writers creates and migrates) the database at `file`.
 * Throws DatabaseUnavailable naming the path, the reason and what to do.
 *
 * @example
 *   const db = openDatabase('./shadowdiff.db')
 *   const ro = openDatabase('./shadowdiff.db', { readonly: true })
 */
export function openDatabase(file: string, opts: OpenOptions = {}): Database {
  const readonly = opts.readonly === true
  checkLocation(file, readonly)
  let db: Database
  try {
    db = new Sqlite(file, { readonly, fileMustExist: readonly })
  } catch (err) {
    throw new DatabaseUnavailable(file, `${(err as Error).message}; check the path and its permissions`, { cause: err })
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(opts.busyTimeoutMs ?? (readonly ? 5000 : 100)))}`)
    if (readonly) checkReadableVersion(db, file)
    else prepareWritable(db)
    return db
  } catch (err) {
    db.close()
    if (err instanceof DatabaseUnavailable) throw err
    throw new DatabaseUnavailable(file, `${(err as Error).message}; is it a shadowdiff database, and not in use by an older version?`, { cause: err })
  }
}

/** Fails early with a message better than SQLite's "unable to open database file". */
function checkLocation(file: string, readonly: boolean): void {
  if (file === ':memory:') {
    if (readonly) throw new DatabaseUnavailable(file, 'an in-memory database cannot be opened read-only')
    return
  }
  const dir = path.dirname(path.resolve(file))
  let stat: fs.Stats
  try {
    stat = fs.statSync(dir)
  } catch {
    throw new DatabaseUnavailable(file, `folder ${dir} does not exist; create it (mkdir -p ${dir}) or choose another --db path`)
  }
  if (!stat.isDirectory()) {
    throw new DatabaseUnavailable(file, `${dir} is not a folder; choose a --db path inside a folder`)
  }
  if (readonly) {
    if (!fs.existsSync(file)) throw new DatabaseUnavailable(file, 'no such file; check the --db path (run the proxy first to record one)')
    return
  }
  try {
    fs.accessSync(dir, fs.constants.W_OK)
    if (fs.existsSync(file)) fs.accessSync(file, fs.constants.R_OK | fs.constants.W_OK)
  } catch {
    throw new DatabaseUnavailable(file, `no write permission on ${fs.existsSync(file) ? file : dir}; fix the permissions or choose another --db path`)
  }
}

function prepareWritable(db: Database): void {
  // auto_vacuum only takes effect before the first table exists; INCREMENTAL
  // lets retention hand freed pages back to the file system in small steps.
  const version = db.pragma('user_version', { simple: true }) as number
  if (version === 0) db.pragma('auto_vacuum = INCREMENTAL')
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  migrate(db, version)
}

function migrate(db: Database, from: number): void {
  if (from > SCHEMA_VERSION) {
    throw new DatabaseUnavailable(db.name, `schema version ${from} is newer than this shadowdiff supports (${SCHEMA_VERSION}); upgrade shadowdiff`)
  }
  if (from === 0 && hasTables(db)) {
    throw new DatabaseUnavailable(db.name, 'the file holds tables but no shadowdiff schema version; it is not a shadowdiff database, choose another --db path')
  }
  const run = db.transaction(() => {
    for (let v = from; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v])
    if (from === 0) db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('created_at', new Date().toISOString())
    db.pragma(`user_version = ${SCHEMA_VERSION}`)
  })
  if (from < SCHEMA_VERSION) run.immediate()
}

/** The oldest version a read-only open accepts without migrating. */
const MIN_READABLE_VERSION = 2

function checkReadableVersion(db: Database, file: string): void {
  const version = db.pragma('user_version', { simple: true }) as number
  // Version 2 lacks the second tables (readers take its minutes as they are),
  // version 3 the examples' compared_as column (their diffs show every change highlighted).
  if (version >= MIN_READABLE_VERSION && version <= SCHEMA_VERSION) return
  if (version === 0) throw new DatabaseUnavailable(file, 'not a shadowdiff database (no schema version); check the --db path')
  if (version > SCHEMA_VERSION) throw new DatabaseUnavailable(file, `schema version ${version} is newer than this shadowdiff supports (${SCHEMA_VERSION}); upgrade shadowdiff`)
  throw new DatabaseUnavailable(file, `schema version ${version} is older than ${MIN_READABLE_VERSION}; open it once read-write (start the proxy on it) to migrate`)
}

function hasTables(db: Database): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' LIMIT 1").get() !== undefined
}

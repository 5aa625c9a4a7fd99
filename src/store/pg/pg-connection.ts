/**
 * The one way shadowdiff connects to PostgreSQL: a bounded `pg` pool whose
 * first connection is checked at start, so a wrong URL, an auth failure or a
 * missing database is one clear SHD_DB_UNAVAILABLE (exit 2) instead of a
 * stack trace at the first flush. TLS comes from the URL (`sslmode=require`,
 * `sslrootcert=…`), as `pg` reads it.
 */
import pg from 'pg'
import { DatabaseUnavailable } from '../../errors.js'
import { describeDatabase } from '../database-url.js'

export type PgPool = pg.Pool
export type PgClient = pg.PoolClient

export interface ConnectOptions {
  /** Pool size: connections are held by flushes and readers, never by client requests. */
  max?: number
  /** How long a connect may take before it fails, in ms. */
  connectTimeoutMs?: number
  /** Per-statement limit, in ms: a stuck statement must not hold a flush forever. */
  statementTimeoutMs?: number
  /** Shown in pg_stat_activity, so an operator can tell the fleet's connections apart. */
  applicationName?: string
}

/** What went wrong, in words a user can act on, from a pg/libpq error. */
export function explainPgError(err: unknown): string {
  const e = err as { code?: string; message?: string }
  switch (e.code) {
    case '28P01':
    case '28000':
      return `authentication failed (${e.message}); check the user and password in the URL`
    case '3D000':
      return `${e.message}; create it (createdb) or fix the database name in the URL`
    case 'ECONNREFUSED':
      return `connection refused (${e.message}); is PostgreSQL running and listening there?`
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host not found (${e.message}); check the host in the URL`
    case 'ETIMEDOUT':
      return `connection timed out (${e.message}); check the host, port and firewall`
    default:
      return e.message ?? String(err)
  }
}

/**
 * Opens a pool on `url` and checks one connection. Throws
 * DatabaseUnavailable (the URL with its password masked, and the reason).
 *
 * @example
 *   const pool = await connectPostgres('postgres://shadowdiff@db:5432/shadowdiff', { max: 4 })
 */
export async function connectPostgres(url: string, opts: ConnectOptions = {}): Promise<PgPool> {
  let pool: pg.Pool
  try {
    pool = new pg.Pool({
      connectionString: url,
      max: opts.max ?? 4,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 5000,
      statement_timeout: opts.statementTimeoutMs ?? 30_000,
      application_name: opts.applicationName ?? 'shadowdiff',
      idleTimeoutMillis: 30_000,
    })
  } catch (err) {
    throw new DatabaseUnavailable(describeDatabase(url), `invalid PostgreSQL URL (${(err as Error).message}); expected postgres://user:password@host:port/database`, { cause: err })
  }
  // An idle client's error (the server restarted) must not crash the process:
  // the next query gets a fresh connection, and the caller counts its failure.
  pool.on('error', () => {})
  try {
    const client = await pool.connect()
    client.release()
  } catch (err) {
    await pool.end().catch(() => {})
    throw new DatabaseUnavailable(describeDatabase(url), explainPgError(err), { cause: err })
  }
  return pool
}

/**
 * Runs `fn` holding the session-level advisory lock `key` on one connection,
 * so N instances starting at once (a Deployment rolling out) run it one at a
 * time: the first migrates, the others find the schema current.
 */
export async function withAdvisoryLock<T>(pool: PgPool, key: number, fn: (client: PgClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  try {
    await client.query('SELECT pg_advisory_lock($1)', [key])
    try {
      return await fn(client)
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [key])
    }
  } finally {
    client.release()
  }
}

/** Advisory lock keys, fixed so every instance and version agrees on them. */
export const ADVISORY_LOCKS = {
  /** Held while migrating the schema. */
  migrate: 0x5d1ff001,
  /** Held for as long as an instance drives the promotion (the lease). */
  promotionDriver: 0x5d1ff002,
  /** The first of the keys held (per transaction) while a part of the pending rows is folded into the shared ones (pg-compaction.ts: one key per part, 12 in all). */
  compact: 0x5d1ff100,
} as const

/**
 * Runs `fn` on a pooled connection. The connection is destroyed instead of
 * reused when `fn` failed (it may be dead), and while it is checked out an
 * error the server sends between two statements (it is shutting down:
 * 57P01) is taken, not thrown as an unhandled 'error' event that would end
 * the process: the next statement on it fails with it anyway.
 */
export async function withPooledClient<T>(pool: PgPool, fn: (client: PgClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  let failure: Error | undefined
  const onError = (err: Error) => (failure ??= err)
  client.on('error', onError)
  try {
    const out = await fn(client)
    client.off('error', onError)
    client.release(failure)
    return out
  } catch (err) {
    client.off('error', onError)
    client.release(err as Error)
    throw err
  }
}

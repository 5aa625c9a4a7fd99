/**
 * Which store a `--db` value names. `postgres://` and `postgresql://` URLs
 * select the shared PostgreSQL store (a fleet of instances on one database);
 * any other value is a SQLite file path, the embedded default.
 */

/** True when `value` is a PostgreSQL connection URL. */
export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value.trim())
}

/**
 * The URL with its password masked, for logs, banners and error messages:
 * a connection string must never be printed with its secret.
 *
 * @example
 *   describeDatabase('postgres://app:s3cret@db:5432/shadow') // 'postgres://app:***@db:5432/shadow'
 *   describeDatabase('./shadowdiff.db')                      // './shadowdiff.db'
 */
export function describeDatabase(value: string): string {
  if (!isPostgresUrl(value)) return value
  try {
    const url = new URL(value)
    if (url.password !== '') url.password = '***'
    return url.toString()
  } catch {
    // Unparsable: say so without echoing what might hold a password.
    return value.replace(/\/\/[^@/]*@/, '//***@')
  }
}

/**
 * Divergent exchanges read back from one or many files, for
 * `shadowdiff diffs` (NDJSON) and `shadowdiff rules explain`.
 */
import { eachSource, newestFirst, SUMMARY_COLUMNS, toDivergenceRow, toStoredExchange } from './read-sources.js'
import type { ExchangeRecord } from './read-sources.js'
import type { DivergenceQuery, DivergenceRow, StoredExchange } from './store-types.js'

/**
 * The divergent exchanges of all `sources` within the window (`since`
 * inclusive, `until` exclusive, epoch ms), newest first unless
 * `order: 'oldest'`, at most `limit` (default 100).
 *
 * @example
 *   for (const row of listDivergences(['a.db', 'b.db'], { route: '/users/:id', limit: 20 }))
 *     process.stdout.write(JSON.stringify(row) + '\n')
 */
export function listDivergences(sources: readonly string[], opts: DivergenceQuery = {}): DivergenceRow[] {
  const limit = opts.limit ?? 100
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`limit must be a non-negative integer, got ${JSON.stringify(opts.limit)}`)
  const oldest = opts.order === 'oldest'
  const where: string[] = ['at >= ?', 'at < ?']
  const params: (string | number)[] = [opts.since ?? Number.MIN_SAFE_INTEGER, opts.until ?? Number.MAX_SAFE_INTEGER]
  const endpoint = opts.route === undefined ? undefined : splitEndpoint(opts.route)
  if (endpoint !== undefined) {
    where.push('route = ?')
    params.push(endpoint.route)
  }
  for (const method of [endpoint?.method, opts.method]) {
    if (method === undefined) continue
    where.push('method = ?')
    params.push(method.toUpperCase())
  }
  const order = oldest ? 'at ASC, id ASC' : 'at DESC, id ASC'
  const sql = `SELECT ${SUMMARY_COLUMNS} FROM exchanges WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ?`
  // Each file's first `limit` rows contain the merged first `limit` rows.
  const rows = eachSource(sources, (db) => db.prepare<unknown[], ExchangeRecord>(sql).all(...params, limit)).flat()
  rows.sort(oldest ? (a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : newestFirst)
  return rows.slice(0, limit).map(toDivergenceRow)
}

/**
 * An endpoint as reports print it (`GET /api/users/:id`) or a bare route
 * (`/api/users/:id`).
 *
 * @example splitEndpoint('GET /search') // { method: 'GET', route: '/search' }
 */
export function splitEndpoint(text: string): { method?: string; route: string } {
  const m = /^\s*([A-Za-z]+)\s+(\S.*?)\s*$/.exec(text)
  return m ? { method: m[1].toUpperCase(), route: m[2] } : { route: text.trim() }
}

/** The endpoints that have divergent exchanges in the window, most first (at most `limit`). */
export function divergentEndpoints(sources: readonly string[], opts: Pick<DivergenceQuery, 'since' | 'until'> & { limit?: number } = {}): { method: string; route: string; count: number }[] {
  const sql = 'SELECT method, route, COUNT(*) AS count FROM exchanges WHERE at >= ? AND at < ? GROUP BY method, route'
  const rows = eachSource(sources, (db) =>
    db.prepare<[number, number], { method: string; route: string; count: number }>(sql).all(opts.since ?? Number.MIN_SAFE_INTEGER, opts.until ?? Number.MAX_SAFE_INTEGER),
  ).flat()
  const merged = new Map<string, { method: string; route: string; count: number }>()
  for (const r of rows) {
    const key = `${r.method} ${r.route}`
    const seen = merged.get(key)
    if (seen) seen.count += r.count
    else merged.set(key, { ...r })
  }
  return [...merged.values()].sort((a, b) => b.count - a.count || `${a.method} ${a.route}`.localeCompare(`${b.method} ${b.route}`)).slice(0, opts.limit ?? 20)
}

/** Everything stored for exchange `id` (the first file holding it), or undefined. */
export function getExchange(sources: readonly string[], id: string): StoredExchange | undefined {
  for (const source of sources) {
    const [found] = eachSource([source], (db) => db.prepare<[string], ExchangeRecord>('SELECT * FROM exchanges WHERE id = ?').get(id))
    if (found) return toStoredExchange(found, source)
  }
  return undefined
}

/**
 * Reads recorded divergent exchanges (headers and bodies) for
 * `rules suggest`, newest first, at most `perRoute` per (method, route).
 */
import type { HeaderMap } from '../types.js'
import type { RuleSet } from '../rules/types.js'
import { eachSource } from '../store/read-sources.js'
import type { RecordedExchange } from './suggest-rules.js'

export interface ReadRecordedOptions {
  /** Epoch ms, inclusive. */
  since?: number
  /** Epoch ms, exclusive. */
  until?: number
  /** Most exchanges read per (method, route) and file (default 1000). */
  perRoute?: number
  /** The rules the exchanges were compared under: what they hide is not suggested again. */
  rules?: RuleSet
}

interface Row {
  id: string
  at: number
  primary_status: number | null
  candidate_status: number | null
  method: string
  route: string
  url: string
  request_headers: string
  primary_headers: string | null
  candidate_headers: string | null
  primary_body: Buffer | null
  candidate_body: Buffer | null
}

/**
 * @example
 *   const recorded = readRecorded(['./shadowdiff.db'], { since: Date.now() - 3_600_000 })
 */
export function readRecorded(sources: readonly string[], opts: ReadRecordedOptions = {}): RecordedExchange[] {
  const perRoute = opts.perRoute ?? 1000
  const out: RecordedExchange[] = []
  eachSource(sources, (db) => {
    const rows = db
      .prepare(
        `SELECT id, at, method, route, url, primary_status, candidate_status, request_headers, primary_headers, candidate_headers, primary_body, candidate_body FROM (
           SELECT *, row_number() OVER (PARTITION BY method, route ORDER BY at DESC, id ASC) AS rn
           FROM exchanges WHERE at >= ? AND at < ?)
         WHERE rn <= ?`,
      )
      .all(opts.since ?? Number.MIN_SAFE_INTEGER, opts.until ?? Number.MAX_SAFE_INTEGER, perRoute) as Row[]
    for (const r of rows) out.push(toRecorded(r, opts.rules))
  })
  return out
}

function toRecorded(r: Row, rules: RuleSet | undefined): RecordedExchange {
  const q = r.url.indexOf('?')
  const path = q === -1 ? r.url : r.url.slice(0, q)
  const headers = (s: string | null): HeaderMap | null => (s === null ? null : (JSON.parse(s) as HeaderMap))
  const requestHeaders = headers(r.request_headers) ?? {}
  const recorded: RecordedExchange = {
    id: r.id,
    at: r.at,
    method: r.method,
    route: r.route,
    path,
    url: r.url,
    primaryStatus: r.primary_status,
    candidateStatus: r.candidate_status,
    requestHeaders,
    primaryHeaders: headers(r.primary_headers),
    candidateHeaders: headers(r.candidate_headers),
    primaryBody: r.primary_body,
    candidateBody: r.candidate_body,
  }
  if (rules) {
    const request = { method: r.method, url: r.url, path, query: q === -1 ? '' : r.url.slice(q + 1), headers: requestHeaders }
    recorded.policy = rules.match(request).policy
  }
  return recorded
}

/**
 * Reading helpers shared by the report builder and the `diffs`/`explain`
 * queries: open each file read-only, run, always close.
 */
import type { Database } from 'better-sqlite3'
import type { Divergence, DivergenceKind, Operation } from '../types.js'
import { openDatabase } from './open-database.js'
import type { DiffKind, DivergenceRow, StoredExchange } from './store-types.js'

/** Runs `fn` on each source opened read-only, in order, closing each one. */
export function eachSource<T>(sources: readonly string[], fn: (db: Database, source: string) => T): T[] {
  const out: T[] = []
  for (const source of sources) {
    const db = openDatabase(source, { readonly: true })
    try {
      out.push(fn(db, source))
    } finally {
      db.close()
    }
  }
  return out
}

/** The row shape of the `exchanges` table as SELECT * returns it. */
export interface ExchangeRecord {
  id: string
  at: number
  method: string
  url: string
  route: string
  signature: string
  primary_status: number | null
  candidate_status: number | null
  primary_latency_ms: number | null
  candidate_latency_ms: number | null
  kinds: string
  fields: string
  divergences: string
  rules: string
  request_headers?: string
  request_body?: Buffer | null
  primary_headers?: string | null
  candidate_headers?: string | null
  primary_body?: Buffer | null
  candidate_body?: Buffer | null
  primary_content_type?: string | null
  candidate_content_type?: string | null
  /** ComparedAs as JSON (schema version 3), null for older rows. */
  compared_as?: string | null
}

/** Columns needed for a DivergenceRow (no bodies or headers). */
export const SUMMARY_COLUMNS =
  'id, at, method, url, route, signature, primary_status, candidate_status, primary_latency_ms, candidate_latency_ms, kinds, fields, divergences, rules'

/** Newest first, ties by id: the one order every merge uses, so results never depend on file order. */
export function newestFirst(a: { at: number; id: string }, b: { at: number; id: string }): number {
  return b.at - a.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

export function storedKinds(kinds: string): DivergenceKind[] {
  return kinds === '' ? [] : (kinds.split(',') as DivergenceKind[])
}

/** The RFC 6902 ops of the body difference, when the bodies were JSON. */
export function patchOf(divergences: readonly Divergence[]): Operation[] | undefined {
  const body = divergences.find((d) => d.kind === 'body' && 'ops' in d)
  return body && 'ops' in body ? body.ops : undefined
}

/** A stored row as `shadowdiff diffs` prints it. */
export function toDivergenceRow(r: ExchangeRecord): DivergenceRow {
  const divergences = JSON.parse(r.divergences) as Divergence[]
  const patch = patchOf(divergences)
  return {
    id: r.id,
    at: new Date(r.at).toISOString(),
    method: r.method,
    url: r.url,
    route: r.route,
    primaryStatus: r.primary_status,
    candidateStatus: r.candidate_status,
    verdict: divergences.length > 0 && divergences.every((d) => d.kind === 'undecided') ? 'undecided' : 'divergent',
    kinds: storedKinds(r.kinds).map((k): DiffKind => (k === 'header' ? 'headers' : k)),
    ...(patch && { patch }),
    divergences,
    latencies: { primary: r.primary_latency_ms, candidate: r.candidate_latency_ms },
    fields: JSON.parse(r.fields) as { field: string; op: string }[],
    rules: JSON.parse(r.rules) as string[],
  }
}

/** A full stored row, bodies and headers included. */
export function toStoredExchange(r: ExchangeRecord, source: string): StoredExchange {
  const json = <T>(s: string | null | undefined): T | null => (s == null ? null : (JSON.parse(s) as T))
  return {
    ...toDivergenceRow(r),
    source,
    requestHeaders: json<Record<string, string | string[]>>(r.request_headers) ?? {},
    requestBody: r.request_body ?? null,
    primaryHeaders: json(r.primary_headers),
    candidateHeaders: json(r.candidate_headers),
    primaryBody: r.primary_body ?? null,
    candidateBody: r.candidate_body ?? null,
    primaryContentType: r.primary_content_type ?? null,
    candidateContentType: r.candidate_content_type ?? null,
  }
}

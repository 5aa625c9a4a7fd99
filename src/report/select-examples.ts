/**
 * Picks the examples shown per endpoint. The choice depends only on the SET
 * of stored exchanges, never on which file holds them, so N split files and
 * one file give the same report: newest first (ties by id), preferring one
 * example per distinct set of differing fields before repeating a set.
 */
import { isUtf8 } from 'node:buffer'
import type { ExampleExchange } from './report-types.js'
import { patchOf, storedKinds } from '../store/read-sources.js'
import type { ExchangeRecord } from '../store/read-sources.js'
import type { ComparedAs, Divergence } from '../types.js'

/** Chooses at most `k` of `candidates` (already merged from every file, any order). */
export function selectExamples<T extends { at: number; id: string; signature: string }>(candidates: readonly T[], k: number): T[] {
  const sorted = [...candidates].sort((a, b) => b.at - a.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const chosen: T[] = []
  const signatures = new Set<string>()
  for (const c of sorted) {
    if (chosen.length >= k) break
    if (signatures.has(c.signature)) continue
    signatures.add(c.signature)
    chosen.push(c)
  }
  for (const c of sorted) {
    if (chosen.length >= k) break
    if (!chosen.includes(c)) chosen.push(c)
  }
  return chosen.sort((a, b) => b.at - a.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

/** A stored row (with bodies) as a report example. */
export function toExample(r: ExchangeRecord): ExampleExchange {
  const divergences = JSON.parse(r.divergences) as Divergence[]
  const patch = patchOf(divergences)
  const ex: ExampleExchange = {
    id: r.id,
    at: new Date(r.at).toISOString(),
    method: r.method,
    url: r.url,
    route: r.route,
    primaryStatus: r.primary_status,
    candidateStatus: r.candidate_status,
    kinds: storedKinds(r.kinds),
    divergences,
  }
  if (patch) ex.patch = patch
  if (r.primary_content_type) ex.primaryContentType = r.primary_content_type
  if (r.candidate_content_type) ex.candidateContentType = r.candidate_content_type
  if (r.primary_body) ex.primaryBody = bodyText(r.primary_body)
  if (r.candidate_body) ex.candidateBody = bodyText(r.candidate_body)
  if (r.compared_as) {
    try {
      ex.comparedAs = JSON.parse(r.compared_as) as ComparedAs
    } catch {
      // A damaged annotation only loses the dimming, never the example.
    }
  }
  return ex
}

/** UTF-8 text, tolerating a character cut by the body cap; binary bodies are summarised. */
function bodyText(body: Buffer): string {
  for (let cut = 0; cut <= 3 && cut < body.length; cut++) {
    const head = body.subarray(0, body.length - cut)
    if (isUtf8(head)) return head.toString('utf8')
  }
  return `<binary body, ${body.length} bytes stored>`
}

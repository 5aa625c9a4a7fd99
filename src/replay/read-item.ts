/**
 * What every capture reader yields, one item per record: a request to
 * replay, a record that cannot be (with FILE:LINE and why), or one skipped
 * on purpose (a non-HTTP URL in a HAR, a response in a `.gor`).
 */
import type { ParsedRecord, ParseResult } from './parse-record.js'

export type SkipReason = 'nonHttp' | 'response'

export type ReadItem =
  | { kind: 'record'; where: string; parsed: ParsedRecord }
  | { kind: 'malformed'; where: string; problem: string }
  | { kind: 'skipped'; where: string; reason: SkipReason }

/** The item for a parseRecord() result found at `where`. */
export function itemOf(where: string, result: ParseResult): ReadItem {
  if (result.ok) return { kind: 'record', where, parsed: result.parsed }
  if ('skip' in result) return { kind: 'skipped', where, reason: result.skip }
  return { kind: 'malformed', where, problem: result.problem }
}

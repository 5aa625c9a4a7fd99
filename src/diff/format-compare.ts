/**
 * Comparing by format (`format.body` / `format.headers` rules): a value is
 * equal to another of the same FORMAT (src/noise/value-format.ts), so a
 * fresh request id, token or timestamp is no difference while a timestamp
 * in another format, an id of another kind or a field that disappeared is.
 *
 * A format difference carries a `message` naming both formats, e.g.
 * `format changed: iso-datetime:T:s:f:Z → http-date`. On a JSON Patch
 * operation it is an extra member, which RFC 6902 §4 tells every consumer
 * to ignore, so the patch stays applicable as it is.
 */
import type { Divergence, Operation } from '../types.js'
import { formatOf } from '../noise/value-format.js'

/** A header divergence or patch operation found by a format rule. */
export type FormatNoted<T> = T & { message: string }

/**
 * The message of a format difference, or undefined when both values have
 * the same format. `undefined` stands for a missing value (`absent`).
 *
 * @example
 *   formatChange('2025-01-02T03:04:05.678Z', 'Thu, 02 Jan 2025 03:04:05 GMT')
 *   // 'format changed: iso-datetime:T:s:f:Z → http-date'
 */
export function formatChange(primary: unknown, candidate: unknown): string | undefined {
  const a = formatOf(primary)
  const b = formatOf(candidate)
  return a === b ? undefined : `format changed: ${a} → ${b}`
}

/** `op` carrying `message` (a format change); `op` unchanged when there is none. */
export function noted(op: Operation, message: string | undefined): Operation {
  return message === undefined ? op : (Object.assign(op, { message }) as FormatNoted<Operation>)
}

/** The message a divergence or operation carries, when a format rule found it. */
export function formatMessage(d: Divergence | Operation): string | undefined {
  const m = (d as Partial<FormatNoted<object>>).message
  return 'op' in d || d.kind === 'header' ? m : undefined
}

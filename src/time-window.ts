/**
 * Time windows shared by every report and gate: `--since`, `--until` (ISO 8601
 * or epoch milliseconds) and `--last 15m` (a duration back from now).
 */
import { UsageError } from './errors.js'

export interface TimeWindow {
  since?: number
  until?: number
}

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/**
 * Parses a duration such as `500ms`, `30s`, `15m`, `2h`, `7d`.
 *
 * @example parseDuration('15m', '--last') // 900000
 */
export function parseDuration(text: string, key: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim())
  if (!m) throw new UsageError(`${key}: expected a duration like 30s, 15m or 2h, got '${text}'`)
  return Number(m[1]) * UNITS[m[2]]
}

export function parseInstant(text: string, key: string): number {
  const trimmed = text.trim()
  const ms = /^\d{10,}$/.test(trimmed) ? Number(trimmed) : Date.parse(trimmed)
  if (!Number.isFinite(ms)) throw new UsageError(`${key}: expected an ISO 8601 time (2026-11-27T10:00:00Z) or epoch milliseconds, got '${text}'`)
  return ms
}

export function parseWindow(input: { since?: string; until?: string; last?: string }, now = Date.now()): TimeWindow {
  if (input.last !== undefined && input.since !== undefined) {
    throw new UsageError(`--last and --since cannot be combined, got --last '${input.last}' and --since '${input.since}'`)
  }
  const window: TimeWindow = {}
  if (input.since !== undefined) window.since = parseInstant(input.since, '--since')
  if (input.until !== undefined) window.until = parseInstant(input.until, '--until')
  if (input.last !== undefined) window.since = (window.until ?? now) - parseDuration(input.last, '--last')
  if (window.since !== undefined && window.until !== undefined && window.since > window.until) {
    throw new UsageError(`--since must be before --until, got ${new Date(window.since).toISOString()} > ${new Date(window.until).toISOString()}`)
  }
  return window
}

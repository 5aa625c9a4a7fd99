/**
 * Logs go to stderr, so stdout stays free for command output (NDJSON,
 * reports). Two formats of the same pino records:
 * - `json`: pino's JSON lines, for machines (log shippers, `jq`);
 * - `pretty`: one readable line per record (`12:03:04 WARN  message key=value`),
 *   for a person at a terminal.
 * `auto` (the default) is pretty when stderr is a terminal, json otherwise,
 * like kubectl and docker decide on colour and progress output.
 *
 * The pretty line is a small formatter of our own rather than pino-pretty:
 * shadowdiff logs few, flat records, and a transport would add a worker
 * thread and a dozen dependencies to print them.
 */
import { pino, type DestinationStream, type Logger } from 'pino'
import type { LogFormat } from './config.js'

/** `auto` decided: pretty on a terminal, json otherwise. */
export function resolveLogFormat(format: LogFormat = 'auto', stream: { isTTY?: boolean } = process.stderr): 'json' | 'pretty' {
  if (format !== 'auto') return format
  return stream.isTTY ? 'pretty' : 'json'
}

export function createLogger(level: string, format: LogFormat = 'json', out: NodeJS.WritableStream = process.stderr): Logger {
  const options = { level, base: { name: 'shadowdiff' } }
  if (resolveLogFormat(format) === 'json') return pino(options, pino.destination({ fd: 2, sync: false }))
  return pino(options, prettyDestination(out))
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' }
const OMIT = new Set(['level', 'time', 'msg', 'name', 'pid', 'hostname', 'err'])

/** HH:MM:SS of an epoch-ms time, local time (it is read by the person at this terminal). */
export function clock(ms: number): string {
  const d = new Date(ms)
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':')
}

/** `key=value` with the value as JSON unless it is a plain word. */
function field(key: string, value: unknown): string {
  const text = typeof value === 'string' && /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value)
  return `${key}=${text}`
}

/** One pino JSON record as a line a person reads; an error's stack follows on its own lines. */
export function prettyLine(json: string): string {
  let r: Record<string, unknown>
  try {
    r = JSON.parse(json) as Record<string, unknown>
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`
  }
  const level = (LEVELS[r.level as number] ?? String(r.level)).padEnd(5)
  const fields = Object.entries(r)
    .filter(([k]) => !OMIT.has(k))
    .map(([k, v]) => field(k, v))
  const err = r.err as { message?: string; stack?: string } | undefined
  const head = [clock(typeof r.time === 'number' ? r.time : Date.now()), level, r.msg ?? '', ...fields, ...(err?.message ? [`err=${JSON.stringify(err.message)}`] : [])]
    .filter((s) => s !== '')
    .join(' ')
  const stack = err?.stack ? `\n${err.stack.split('\n').slice(1).join('\n')}` : ''
  return `${head}${stack}\n`
}

function prettyDestination(out: NodeJS.WritableStream): DestinationStream {
  return { write: (line: string) => void out.write(prettyLine(line)) }
}

export type { Logger }

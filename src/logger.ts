/** pino JSON logs to stderr, so stdout stays free for command output (NDJSON, reports). */
import { pino, type Logger } from 'pino'

export function createLogger(level: string): Logger {
  return pino({ level, base: { name: 'shadowdiff' } }, pino.destination({ fd: 2, sync: false }))
}

export type { Logger }

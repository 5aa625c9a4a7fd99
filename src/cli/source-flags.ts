/**
 * Flags shared by every command that reads recorded data: one or more
 * `--db` (files or folders of *.db, merged exactly, or one PostgreSQL URL
 * holding a whole fleet) and a time window. Without `--db`, SHADOWDIFF_DB,
 * then ./shadowdiff.db.
 */
import { existsSync } from 'node:fs'
import { UsageError } from '../errors.js'
import { isPostgresUrl } from '../store/database-url.js'
import { checkSourceMix } from '../store/pg/readable-sources.js'
import { parseWindow, type TimeWindow } from '../time-window.js'
import { resolveSources } from '../report/build-report.js'
import { str, strs, type FlagSpec, type ParsedFlags } from './parse-flags.js'

/** Where `--db` reads when it is not given. */
export const DEFAULT_DB = './shadowdiff.db'

export const SOURCE_FLAGS = {
  db: {
    type: 'string',
    multiple: true,
    arg: 'PATH|URL',
    help: 'SQLite file or folder of them (repeat to merge a fleet), or one postgres:// URL of a fleet (or SHADOWDIFF_DB)',
    default: DEFAULT_DB,
  },
  since: { type: 'string', arg: 'TIME', help: 'only exchanges that started at or after TIME (ISO 8601 or epoch ms; to the second)' },
  until: { type: 'string', arg: 'TIME', help: 'only exchanges that started before TIME' },
  last: { type: 'string', arg: 'DURATION', help: 'only the last 15m, 2h, 7d …' },
} satisfies FlagSpec

export function sourcesFrom(values: ParsedFlags['values'], env: NodeJS.ProcessEnv = process.env): string[] {
  const given = strs(values, 'db')
  const paths = given.length > 0 ? given : [env.SHADOWDIFF_DB || DEFAULT_DB]
  checkSourceMix(paths)
  // A URL is checked by connecting to it (exit 2 with what was wrong).
  if (paths.some(isPostgresUrl)) return paths
  for (const p of paths) {
    if (!existsSync(p)) throw new UsageError(`--db ${p}: no such file or folder (record some traffic with 'shadowdiff serve --db ${p}' first)`)
  }
  const sources = resolveSources(paths)
  if (sources.length === 0) throw new UsageError(`--db ${paths.join(', ')}: no *.db files found`)
  return sources
}

export function windowFrom(values: ParsedFlags['values']): TimeWindow {
  return parseWindow({ since: str(values, 'since'), until: str(values, 'until'), last: str(values, 'last') })
}

/** `shadowdiff diffs`: divergent exchanges as NDJSON, newest first. */
import { listDivergences } from '../store/list-divergences.js'
import { int, parseCommandFlags, str, type FlagSpec } from './parse-flags.js'
import { SOURCE_FLAGS, SOURCE_USAGE, sourcesFrom, windowFrom } from './source-flags.js'

const FLAGS: FlagSpec = { ...SOURCE_FLAGS, limit: { type: 'string', short: 'n' }, route: { type: 'string' }, help: { type: 'boolean', short: 'h' } }

const USAGE = `Usage: shadowdiff diffs [--limit N] [--route ROUTE] [options]

  --limit N                at most N exchanges (default 100)
  --route ROUTE            only this route
${SOURCE_USAGE}`

export async function diffsCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandFlags(argv, FLAGS, USAGE)
  if (parsed === undefined) return 0
  const { values } = parsed
  const limit = int(values, 'limit', 1, 1_000_000) ?? 100
  const rows = listDivergences(sourcesFrom(values), { ...windowFrom(values), limit, route: str(values, 'route') })
  for (const row of rows) process.stdout.write(JSON.stringify(row) + '\n')
  return 0
}

/** `shadowdiff diffs`: divergent exchanges as NDJSON, newest first. */
import { UsageError } from '../errors.js'
import { withReadableSources } from '../store/pg/readable-sources.js'
import { divergentEndpoints, listDivergences, splitEndpoint } from '../store/list-divergences.js'
import { int, parseCommandFlags, str, type CommandSpec, type FlagSpec } from './parse-flags.js'
import { SOURCE_FLAGS, sourcesFrom, windowFrom } from './source-flags.js'

const DEFAULT_LIMIT = 100

const FLAGS = {
  limit: { type: 'string', short: 'n', arg: 'N', help: 'at most N exchanges', default: DEFAULT_LIMIT },
  route: { type: 'string', arg: 'ROUTE', help: "only this endpoint, as reports print it ('GET /api/users/:id') or the bare route ('/api/users/:id')" },
  method: { type: 'string', arg: 'METHOD', help: 'only this method (GET, POST …)' },
  ...SOURCE_FLAGS,
} satisfies FlagSpec

export const DIFFS_COMMAND: CommandSpec = {
  name: 'diffs',
  synopsis: "[--limit N] [--route 'GET /api/users/:id'] [options]",
  summary: 'print divergent exchanges as NDJSON, newest first',
  description: "One JSON object per line on stdout; when nothing matches, stdout is empty and stderr says why.",
  flags: FLAGS,
}

export async function diffsCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandFlags(argv, DIFFS_COMMAND)
  if (parsed === undefined) return 0
  const { values } = parsed
  const limit = int(values, 'limit', 1, 1_000_000) ?? DEFAULT_LIMIT
  const routeText = str(values, 'route')
  const endpoint = routeText === undefined ? undefined : splitEndpoint(routeText)
  const methodFlag = str(values, 'method')?.toUpperCase()
  if (methodFlag !== undefined && !/^[A-Z]+$/.test(methodFlag)) throw new UsageError(`--method: expected an HTTP method such as GET, got '${str(values, 'method')}'`)
  if (methodFlag !== undefined && endpoint?.method !== undefined && endpoint.method !== methodFlag) {
    throw new UsageError(`--route '${routeText}' names the method ${endpoint.method} but --method is ${methodFlag}: give one of them`)
  }
  const sources = sourcesFrom(values)
  const window = windowFrom(values)
  const method = methodFlag ?? endpoint?.method
  const scope = { ...window, aggregates: false, events: false, learned: false }
  return withReadableSources(sources, scope, ({ files }) => {
    const rows = listDivergences(files, { ...window, limit, route: endpoint?.route, method })
    for (const row of rows) process.stdout.write(JSON.stringify(row) + '\n')
    if (rows.length === 0) console.error(nothingMatched(files, window, endpoint?.route, method))
    return 0
  })
}

/** Why stdout is empty: what was asked, and which endpoints do have divergences. */
function nothingMatched(sources: string[], window: { since?: number; until?: number }, route: string | undefined, method: string | undefined): string {
  const asked = [method, route].filter(Boolean).join(' ')
  const known = divergentEndpoints(sources, { ...window, limit: 10 })
  const scope = window.since !== undefined || window.until !== undefined ? ' in this window' : ''
  if (known.length === 0) return `shadowdiff diffs: no divergent exchanges${scope} (nothing to filter)`
  const list = known.map((e) => `  ${e.method} ${e.route} (${e.count})`).join('\n')
  return `shadowdiff diffs: no divergent exchanges${asked ? ` match '${asked}'` : ''}${scope}; endpoints with divergences:\n${list}`
}

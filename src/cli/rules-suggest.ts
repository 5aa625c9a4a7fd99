/**
 * `shadowdiff rules suggest [--db PATH]… [--out FILE] [--rules PATH]`:
 * proposes rules (format, ignore, unordered, keyed, tolerance, compare.headers)
 * from recorded divergences, as a commented YAML rule file for a person to
 * review. It never touches the rules in use: the file goes to
 * reports/suggested-rules.yaml (or --out, `-` for stdout), never into the
 * rules folder `serve` watches unless --out says so, and never overwrites a
 * file without --force.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, relative, resolve, sep } from 'node:path'
import { UsageError } from '../errors.js'
import { checkRules, loadRuleSet } from '../rules/load-rules.js'
import { readRecorded } from '../noise/suggest-input.js'
import { withReadableSources } from '../store/pg/readable-sources.js'
import { suggestWithImpact } from '../noise/suggest-impact.js'
import { renderSuggestions } from '../noise/suggest-yaml.js'
import { int, parseCommandFlags, str, type CommandSpec, type FlagSpec } from './parse-flags.js'
import { SOURCE_FLAGS, sourcesFrom, windowFrom } from './source-flags.js'

/** Where the suggestions go by default: the reports folder, which nothing watches. */
export const DEFAULT_SUGGEST_OUT = 'reports/suggested-rules.yaml'

const DEFAULT_PER_ROUTE = 1000

const FLAGS = {
  out: { type: 'string', arg: 'FILE', help: "write the rule file here; '-' for stdout", default: DEFAULT_SUGGEST_OUT },
  force: { type: 'boolean', help: 'overwrite --out if it exists' },
  rules: { type: 'string', arg: 'PATH', help: 'rules the exchanges were compared under: not suggested again' },
  'per-route': { type: 'string', arg: 'N', help: 'most recorded exchanges read per route and file', default: DEFAULT_PER_ROUTE },
  ...SOURCE_FLAGS,
} satisfies FlagSpec

export const SUGGEST_COMMAND: CommandSpec = {
  name: 'rules suggest',
  synopsis: '[--db PATH] [--out FILE] [options]',
  summary: 'propose rules from recorded divergences, with the evidence, to review',
  description: `Proposes rules from recorded divergences (format for random ids, tokens,
timestamps and ETags: compared by format only, so a change of format is still
reported; unordered/keyed for order-only changes, tolerance for tiny float
differences, headers worth comparing), each with its evidence and how many
recorded divergences it would turn equal, as a commented YAML rule file to
review. Differences that look deterministic (the same change on every repeat,
a constant delta, a change confined to some requests) are never ignored or
tolerated: they are listed as likely regressions. Nothing is applied: pass
the file with --rules once you agree with it.`,
  flags: FLAGS,
}

export async function rulesSuggestCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandFlags(argv, SUGGEST_COMMAND)
  if (parsed === undefined) return 0
  const { values } = parsed
  const sources = sourcesFrom(values)
  const window = windowFrom(values)
  const given = str(values, 'out')
  const out = given ?? DEFAULT_SUGGEST_OUT
  if (out !== '-' && existsSync(out) && !values.force) {
    throw new UsageError(`--out ${out}: the file exists; choose another path or add --force to overwrite it`)
  }
  const rulesPath = str(values, 'rules')
  if (rulesPath !== undefined && !existsSync(rulesPath)) throw new UsageError(`--rules ${rulesPath}: no such rule file or folder`)
  const rules = rulesPath === undefined ? undefined : loadRuleSet(rulesPath)
  const perRoute = int(values, 'per-route', 1) ?? DEFAULT_PER_ROUTE
  const { recorded, names } = await withReadableSources(sources, { ...window, aggregates: false, events: false, learned: false }, ({ files, names }) => ({
    recorded: readRecorded(files, { ...window, perRoute, rules }),
    names,
  }))
  const routes = suggestWithImpact(recorded, { rules })
  const text = renderSuggestions(routes, { sources: names })
  if (out === '-') {
    process.stdout.write(text)
    return 0
  }
  // `--out rules/90-suggested.yaml` on a first run, before any rules folder exists.
  mkdirSync(dirname(out), { recursive: true })
  writeFileSync(out, text)
  // The promise of this command: what it writes is a valid rule file.
  const problems = checkRules(out)
  if (problems.length > 0) throw new Error(`generated rules failed validation (a bug): ${problems.map((p) => `${p.line}: ${p.key}: ${p.message}`).join('; ')}`)
  const count = routes.reduce((n, r) => n + r.suggestions.length, 0)
  const likely = routes.reduce((n, r) => n + r.likelyRegressions.length, 0)
  console.error(
    `shadowdiff rules suggest: wrote ${count} suggestion${count === 1 ? '' : 's'} from ${recorded.length} recorded exchanges to ${out}` +
      `${likely > 0 ? `, and ${likely} likely regression${likely === 1 ? '' : 's'} it refused to hide` : ''}; review it before use, then pass it with --rules`,
  )
  const watched = [resolve('rules'), ...(rulesPath === undefined ? [] : [resolve(rulesPath)])].find((dir) => inside(resolve(out), dir))
  if (watched !== undefined) console.error(`shadowdiff rules suggest: note: ${out} is inside ${watched}, a rules folder 'serve' watches: a running proxy applies it at once`)
  return 0
}

function inside(file: string, dir: string): boolean {
  const rel = relative(dir, file)
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep) && !rel.includes(':')
}

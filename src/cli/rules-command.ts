/**
 * `shadowdiff rules check [PATH]`: validate rule files, print every problem
 * as file:line: key: message, exit 0 (valid) or 2.
 * `shadowdiff rules explain --db PATH --id ID [--rules PATH]`: for one
 * recorded exchange, which rules matched and what each removed.
 */
import { existsSync } from 'node:fs'
import { UsageError } from '../errors.js'
import { checkRules, formatProblem, loadRuleSet } from '../rules/load-rules.js'
import { explainExchange } from '../rules/explain-exchange.js'
import type { StoredExchange } from '../store/store-types.js'
import type { RequestInfo, SideResult } from '../types.js'
import { getExchange } from '../store/list-divergences.js'
import { withReadableSources } from '../store/pg/readable-sources.js'
import { oneOf, parseCommandFlags, str, type CommandSpec, type FlagSpec } from './parse-flags.js'
import { SOURCE_FLAGS, sourcesFrom } from './source-flags.js'
import { rulesSuggestCommand, SUGGEST_COMMAND } from './rules-suggest.js'
import { FORMAT_FLAG } from './split-command.js'
import { renderExplanation } from './explain-text.js'

export const RULES_CHECK_COMMAND: CommandSpec = {
  name: 'rules check',
  synopsis: '[PATH]',
  summary: 'validate a rule file or folder (every problem as file:line: key: message)',
  description: 'PATH is a rule file or a folder of them (default ./rules). Exit 0 when valid, 2 with every problem otherwise.',
  flags: {},
  positionals: true,
}

const EXPLAIN_FLAGS = {
  id: { type: 'string', arg: 'ID', help: "the exchange (an id from 'shadowdiff diffs')", required: true },
  rules: { type: 'string', arg: 'PATH', help: 'the rules to explain with: the recorded ones, or a proposed set', default: './rules when it exists' },
  ...FORMAT_FLAG,
  db: SOURCE_FLAGS.db,
} satisfies FlagSpec

export const RULES_EXPLAIN_COMMAND: CommandSpec = {
  name: 'rules explain',
  synopsis: '--id ID [--db PATH] [--rules PATH]',
  summary: 'which rules matched one recorded exchange, and what each removed',
  flags: EXPLAIN_FLAGS,
}

const RULES_SUBCOMMANDS = [RULES_CHECK_COMMAND, RULES_EXPLAIN_COMMAND, SUGGEST_COMMAND]

const USAGE = `Usage:
${RULES_SUBCOMMANDS.map((c) => `  shadowdiff ${c.name} ${c.synopsis}\n      ${c.summary}`).join('\n')}

Run 'shadowdiff rules <check|explain|suggest> --help' for the options of each.`

export async function rulesCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  if (sub === 'check') return check(rest)
  if (sub === 'explain') return explain(rest)
  if (sub === 'suggest') return rulesSuggestCommand(rest)
  if (sub === '--help' || sub === '-h') {
    console.log(USAGE)
    return 0
  }
  throw new UsageError(`expected 'rules check', 'rules explain' or 'rules suggest', got ${sub === undefined ? 'nothing' : `'rules ${sub}'`}`)
}

function check(argv: string[]): number {
  const parsed = parseCommandFlags(argv, RULES_CHECK_COMMAND)
  if (parsed === undefined) return 0
  const path = parsed.positionals[0] ?? 'rules'
  if (!existsSync(path)) throw new UsageError(`${path}: no such rule file or folder`)
  const problems = checkRules(path)
  if (problems.length === 0) {
    const set = loadRuleSet(path)
    console.log(`${path}: ${set.size} rule${set.size === 1 ? '' : 's'} OK (${set.sources.length} file${set.sources.length === 1 ? '' : 's'})`)
    return 0
  }
  for (const p of problems) console.error(formatProblem(p))
  console.error(`${problems.length} problem${problems.length === 1 ? '' : 's'} found`)
  return 2
}

async function explain(argv: string[]): Promise<number> {
  const parsed = parseCommandFlags(argv, RULES_EXPLAIN_COMMAND)
  if (parsed === undefined) return 0
  const { values } = parsed
  const format = oneOf(values, 'format', ['text', 'json'] as const) ?? 'text'
  const id = str(values, 'id')
  if (!id) throw new UsageError('--id: required (take one from `shadowdiff diffs`)')
  const exchange = await withReadableSources(sourcesFrom(values), { exchangeId: id }, ({ files, names }) => {
    const found = getExchange(files, id)
    return found && { ...found, source: names[files.indexOf(found.source)] ?? found.source }
  })
  if (!exchange) throw new UsageError(`--id ${id}: no recorded exchange with this id (only divergent exchanges are stored)`)
  const rulesPath = str(values, 'rules') ?? (existsSync('rules') ? 'rules' : undefined)
  const ruleSet = loadRuleSet(rulesPath)
  const { request, primary, candidate } = replayable(exchange)
  const explanation = explainExchange(ruleSet, request, primary, candidate)
  const result = { id, url: exchange.url, recordedRules: exchange.rules, ...explanation }
  console.log(format === 'json' ? JSON.stringify(result, null, 2) : renderExplanation(exchange.method, rulesPath, result))
  return 0
}

/** Rebuilds the request and both responses from what the store kept (bodies up to the stored cap). */
function replayable(ex: StoredExchange): { request: RequestInfo; primary: SideResult; candidate: SideResult } {
  const q = ex.url.indexOf('?')
  const request: RequestInfo = {
    method: ex.method,
    url: ex.url,
    path: q === -1 ? ex.url : ex.url.slice(0, q),
    query: q === -1 ? '' : ex.url.slice(q + 1),
    headers: ex.requestHeaders,
  }
  const side = (status: number | null, headers: StoredExchange['primaryHeaders'], body: Buffer | null, latency: number | null): SideResult => {
    if (status === null) {
      const error = ex.divergences.find((d) => d.kind === 'error')
      return { ok: false, code: error && 'code' in error ? error.code : 'ERROR', message: error && 'message' in error ? error.message : 'no response', latencyMs: latency ?? 0 }
    }
    const bytes = body ?? Buffer.alloc(0)
    return { ok: true, status, headers: headers ?? {}, body: bytes, size: bytes.length, complete: true, latencyMs: latency ?? 0 }
  }
  return {
    request,
    primary: side(ex.primaryStatus, ex.primaryHeaders, ex.primaryBody, ex.latencies.primary),
    candidate: side(ex.candidateStatus, ex.candidateHeaders, ex.candidateBody, ex.latencies.candidate),
  }
}

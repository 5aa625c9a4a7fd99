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
import { parseCommandFlags, str, type FlagSpec } from './parse-flags.js'
import { sourcesFrom } from './source-flags.js'
import { rulesSuggestCommand } from './rules-suggest.js'

const USAGE = `Usage:
  shadowdiff rules check [PATH]                       validate a rule file or folder (default ./rules)
  shadowdiff rules explain --id ID [--db PATH] [--rules PATH]
                                                      show which rules matched one recorded exchange
                                                      and which differences each removed
  shadowdiff rules suggest [--db PATH] [--out FILE]   propose rules from recorded divergences, with the
                                                      evidence, as a commented rule file to review
                                                      (default reports/suggested-rules.yaml)`

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
  const parsed = parseCommandFlags(argv, { help: { type: 'boolean', short: 'h' } }, USAGE, true)
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

const EXPLAIN_FLAGS: FlagSpec = { db: { type: 'string', multiple: true }, id: { type: 'string' }, rules: { type: 'string' }, help: { type: 'boolean', short: 'h' } }

function explain(argv: string[]): number {
  const parsed = parseCommandFlags(argv, EXPLAIN_FLAGS, USAGE)
  if (parsed === undefined) return 0
  const { values } = parsed
  const id = str(values, 'id')
  if (!id) throw new UsageError('--id: required (take one from `shadowdiff diffs`)')
  const exchange = getExchange(sourcesFrom(values), id)
  if (!exchange) throw new UsageError(`--id ${id}: no recorded exchange with this id (only divergent exchanges are stored)`)
  const rulesPath = str(values, 'rules') ?? (existsSync('rules') ? 'rules' : undefined)
  const ruleSet = loadRuleSet(rulesPath)
  const { request, primary, candidate } = replayable(exchange)
  const explanation = explainExchange(ruleSet, request, primary, candidate)
  console.log(JSON.stringify({ id, url: exchange.url, recordedRules: exchange.rules, ...explanation }, null, 2))
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

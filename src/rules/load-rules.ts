/**
 * Loading rule files: a file, or a folder of `.yaml` / `.yml` / `.json`
 * files applied in name order. Pure and re-callable, so the lead can reload
 * on SIGHUP, on file change or on POST /api/rules/reload and keep the old
 * set when the new one is invalid.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, readdirSync, statSync, type Stats } from 'node:fs'
import { join } from 'node:path'
import { RulesInvalid } from '../errors.js'
import type { RuleProblem, RuleSet } from './types.js'
import type { RuleSpec } from './rule-spec.js'
import { parseRuleFile } from './parse-rule-file.js'
import { CompiledRuleSet } from './rule-set.js'

const RULE_FILE = /\.(ya?ml|json)$/i

/** `file:line: key: message`, the one format every rule problem is printed in. */
export function formatProblem(p: RuleProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}` : p.file
  return p.key ? `${where}: ${p.key}: ${p.message}` : `${where}: ${p.message}`
}

/**
 * Loads and compiles the rules at `path` (a file or a folder); undefined
 * gives an empty set (every exchange gets DEFAULT_POLICY).
 * Throws RulesInvalid listing every problem, one `file:line: key: message`
 * per line; the error's `problems` property holds them as objects.
 */
export function loadRuleSet(path: string | undefined): RuleSet {
  if (path === undefined) return new CompiledRuleSet([], [])
  const read = readRuleFiles(path)
  const built = buildRules(read.docs)
  return orThrow(built.ruleSet, [...read.problems, ...built.problems])
}

/** Validates the rules at `path` without throwing: [] means valid (`shadowdiff rules check`). */
export function checkRules(path: string): RuleProblem[] {
  const read = readRuleFiles(path)
  return [...read.problems, ...buildRules(read.docs).problems]
}

/**
 * Compiles rule texts already in memory (tests, reload from the admin API).
 * Same validation and errors as loadRuleSet.
 *
 * @example
 *   compileRules([{ file: 'inline.yaml', text: 'rules: [{ ignore: { headers: [etag] } }]' }])
 */
export function compileRules(docs: { file: string; text: string }[]): RuleSet {
  const built = buildRules(docs)
  return orThrow(built.ruleSet, built.problems)
}

function orThrow(ruleSet: RuleSet, problems: RuleProblem[]): RuleSet {
  if (problems.length === 0) return ruleSet
  const err = new RulesInvalid(problems.map(formatProblem).join('\n'))
  throw Object.assign(err, { problems })
}

function buildRules(docs: { file: string; text: string }[]): { ruleSet: RuleSet; problems: RuleProblem[] } {
  const problems: RuleProblem[] = []
  const rules: RuleSpec[] = []
  const firstByName = new Map<string, RuleSpec>()
  for (const doc of docs) {
    const parsed = parseRuleFile(doc.file, doc.text)
    problems.push(...parsed.problems)
    for (const rule of parsed.rules) {
      const first = firstByName.get(rule.name)
      if (first) {
        problems.push({
          file: rule.file,
          line: rule.line,
          key: `rules[${rule.index}].name`,
          message: `'${rule.name}' is already the name of the rule at ${first.file}:${first.line}; expected unique names so reports and 'rules explain' can tell rules apart`,
        })
        continue
      }
      firstByName.set(rule.name, rule)
      rules.push(rule)
    }
  }
  return { ruleSet: new CompiledRuleSet(docs.map((d) => d.file), rules), problems }
}

/** What a path is, in words, for an error that says what was expected instead. */
function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)'
  if (st.isSocket()) return 'a socket'
  if (st.isCharacterDevice()) return 'a character device'
  if (st.isBlockDevice()) return 'a block device'
  if (st.isDirectory()) return 'a folder'
  return 'not a regular file'
}

/**
 * Reads one rule file, refusing anything but a regular file. Opened with
 * O_NONBLOCK and checked on the open descriptor, so a FIFO, socket or device
 * (or one swapped in after a stat) can never block the read: `rules check`
 * and `serve` used to hang on a FIFO.
 */
function readRegularFile(file: string): string {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK)
  try {
    const st = fstatSync(fd)
    if (!st.isFile()) throw new Error(`it is ${kindOf(st)}; expected a regular rule file (.yaml, .yml or .json)`)
    return readFileSync(fd, 'utf8')
  } finally {
    closeSync(fd)
  }
}

function readRuleFiles(path: string): { docs: { file: string; text: string }[]; problems: RuleProblem[] } {
  const problems: RuleProblem[] = []
  const docs: { file: string; text: string }[] = []
  const read = (file: string) => {
    try {
      docs.push({ file, text: readRegularFile(file) })
    } catch (err) {
      problems.push({ file, line: 0, key: '', message: `cannot read the rule file: ${(err as Error).message}` })
    }
  }
  let st: Stats
  try {
    st = statSync(path)
  } catch (err) {
    problems.push({ file: path, line: 0, key: '', message: `cannot read: ${(err as Error).message}; expected a rule file or a folder of .yaml/.yml/.json files` })
    return { docs, problems }
  }
  if (!st.isDirectory() && !st.isFile()) {
    problems.push({ file: path, line: 0, key: '', message: `cannot read: it is ${kindOf(st)}; expected a rule file or a folder of .yaml/.yml/.json files` })
    return { docs, problems }
  }
  if (!st.isDirectory()) {
    read(path)
    return { docs, problems }
  }
  // Plain code-unit order, not locale order: the same on every machine.
  // Entries named like rule files but not regular files (a FIFO, a socket, a
  // folder called x.yaml) are refused with their path, not skipped: a rule
  // the user meant to apply must not silently go missing.
  const names = readdirSync(path).filter((n) => RULE_FILE.test(n)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  for (const name of names) read(join(path, name))
  return { docs, problems }
}

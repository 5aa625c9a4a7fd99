/**
 * Flag parsing on node:util parseArgs (strict: unknown flags are errors),
 * and the one spec per command that both parses and documents it: `--help`
 * is generated from the same spec (src/cli/flag-usage.ts), so the help
 * cannot list a flag the parser refuses, or miss one it accepts.
 *
 * ## Declaring a command's flags
 *
 *   const FLAGS = {
 *     port:  { type: 'string', arg: 'N', help: 'client-facing port', default: DEFAULTS.port },
 *     db:    { type: 'string', multiple: true, arg: 'PATH', help: 'SQLite file; repeat to merge', default: './shadowdiff.db' },
 *     force: { type: 'boolean', help: 'overwrite --out if it exists' },
 *   } satisfies FlagSpec
 *
 *   export const EXAMPLE_COMMAND: CommandSpec = {
 *     name: 'rules suggest',                 // as typed after `shadowdiff`
 *     synopsis: '[options]',                 // the rest of the Usage: line
 *     summary: 'propose rules from recorded divergences',   // the top-level help's line
 *     description: 'A paragraph or two.',    // optional, before the flags
 *     flags: FLAGS,
 *     footer: 'Exit status: 0 …',           // optional, after the flags
 *   }
 *
 *   const parsed = parseCommandFlags(argv, EXAMPLE_COMMAND)
 *   if (parsed === undefined) return 0      // --help was printed
 *   const port = int(parsed.values, 'port', 0, 65535) ?? DEFAULTS.port
 *
 * - `type`, `short` and `multiple` go to parseArgs; nothing else does.
 * - `default` is what --help shows, and should come from the constant the
 *   code applies (DEFAULTS.port, not a copy of 8080). It is never passed to
 *   parseArgs: an absent flag stays `undefined`, so the code can tell "not
 *   given" from "given the default" (config files and environment sit
 *   between the two). A text default is fine: `default: 'the --max-divergence value'`.
 * - `arg` names the value (`--port N`); string flags need one.
 * - `help` is one or more lines ('\n'), wrapped to the terminal's width.
 * - `group` prints a heading before the first flag of each group, in order.
 * - `required: true` shows "(required)"; checking it stays with the command.
 * - `-h/--help` is added to every command; declaring it is harmless.
 * - An entry in the bare parseArgs style (`{ type: 'string' }`) still parses;
 *   test/cli/help-from-spec.test.ts fails until it has `arg` and `help`.
 *
 * Register a new command in COMMANDS (src/cli/main.ts) so the top-level help
 * lists it and a flag given to the wrong command can say where it belongs.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError } from '../errors.js'
import { renderUsage } from './flag-usage.js'

export interface FlagDef {
  type: 'string' | 'boolean'
  short?: string
  multiple?: boolean
  /** The value's name in --help: `--port N`. */
  arg?: string
  help?: string
  /** Shown in --help as "(default …)"; applied by the code, never by parseArgs. */
  default?: string | number
  required?: boolean
  group?: string
}

export type FlagSpec = Record<string, FlagDef>

export interface CommandSpec {
  /** As typed after `shadowdiff`: 'serve', 'rules explain'. */
  name: string
  /** The Usage: line after the name; may hold several lines for several forms. */
  synopsis: string
  /** One line for the top-level help. */
  summary: string
  description?: string
  flags: FlagSpec
  footer?: string
  /** Accepts positional arguments (`rules check PATH`). */
  positionals?: boolean
}

export interface ParsedFlags {
  values: Record<string, string | boolean | string[] | undefined>
  positionals: string[]
}

export const HELP_FLAG: FlagDef = { type: 'boolean', short: 'h', help: 'show this help' }

/** A flag this command does not take; main.ts adds where it belongs, when another command takes it. */
export class UnknownFlag extends UsageError {
  constructor(
    readonly flag: string,
    message: string,
  ) {
    super(message)
  }
}

/**
 * Parses `argv` against `spec`. Errors are UsageErrors in our words:
 * `--weight -5` reaches the number check ("expected a number from 0 to 100,
 * got '-5'") instead of parseArgs' "argument is ambiguous".
 */
export function parseFlags(argv: string[], spec: FlagSpec, allowPositionals = false): ParsedFlags {
  const options: NonNullable<ParseArgsConfig['options']> = {}
  for (const [name, def] of Object.entries({ ...spec, help: { ...HELP_FLAG, ...spec.help } })) {
    options[name] = def.type === 'string' ? { type: 'string', short: def.short, multiple: def.multiple } : { type: 'boolean', short: def.short, multiple: def.multiple }
    if (def.short === undefined) delete options[name].short
    if (def.multiple === undefined) delete options[name].multiple
  }
  const args = joinValues(argv, options, spec)
  try {
    const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals })
    return { values: values as ParsedFlags['values'], positionals }
  } catch (err) {
    throw ourWords(err as Error & { code?: string }, options)
  }
}

/**
 * A command's flags, or undefined when `--help` was given: the usage is then
 * printed and the command returns 0. Every command starts with it.
 *
 * @example
 *   const parsed = parseCommandFlags(argv, GATE_COMMAND)
 *   if (parsed === undefined) return 0
 */
export function parseCommandFlags(argv: string[], command: CommandSpec): ParsedFlags | undefined
/** Today's style, kept so work in progress merges: a bare spec and a hand-written usage. Convert to a CommandSpec. */
export function parseCommandFlags(argv: string[], spec: FlagSpec, usage: string, allowPositionals?: boolean): ParsedFlags | undefined
export function parseCommandFlags(argv: string[], command: CommandSpec | FlagSpec, usage?: string, allowPositionals = false): ParsedFlags | undefined {
  const legacy = typeof usage === 'string'
  const spec = legacy ? (command as FlagSpec) : (command as CommandSpec).flags
  const parsed = parseFlags(argv, spec, legacy ? allowPositionals : ((command as CommandSpec).positionals ?? false))
  if (!parsed.values.help) return parsed
  console.log(legacy ? usage : renderUsage(command as CommandSpec))
  return undefined
}

type Options = NonNullable<ParseArgsConfig['options']>

/**
 * `--name value` where value starts with '-' becomes `--name=value` unless
 * value is itself a flag: parseArgs refuses the first form as ambiguous.
 * A value that is missing, or that is another flag, is an error here.
 */
function joinValues(argv: string[], options: Options, spec: FlagSpec): string[] {
  const out: string[] = []
  const shorts = new Map(Object.entries(options).flatMap(([name, o]) => (o.short ? [[o.short, name] as const] : [])))
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]
    if (token === '--') {
      out.push(...argv.slice(i))
      break
    }
    const long = /^--([^=]+)$/.exec(token)?.[1]
    const short = /^-([^-])$/.exec(token)?.[1]
    const name = long ?? (short !== undefined ? shorts.get(short) : undefined)
    if (name === undefined || options[name]?.type !== 'string') {
      out.push(token)
      continue
    }
    const next = argv[i + 1]
    const what = spec[name]?.arg ?? 'a value'
    if (next === undefined) throw new UsageError(`${token}: expected ${what} after it, got nothing`)
    if (next.startsWith('-') && next !== '-' && isFlag(next, options, shorts)) {
      throw new UsageError(`${token}: expected ${what} after it, got the flag '${next}'`)
    }
    out.push(`--${name}=${next}`)
    i++
  }
  return out
}

function isFlag(token: string, options: Options, shorts: Map<string, string>): boolean {
  // Negative numbers are values: the command's number check judges them.
  if (/^-\.?\d/.test(token)) return false
  if (token.startsWith('--')) return true
  return shorts.has(token.slice(1, 2)) || /^-[A-Za-z]$/.test(token) || options[token.slice(1)] !== undefined
}

function ourWords(err: Error & { code?: string }, options: Options): Error {
  const quoted = /'([^']+)'/.exec(err.message)?.[1] ?? ''
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const near = quoted.startsWith('--') ? nearest(quoted.slice(2), Object.keys(options)) : undefined
      return new UnknownFlag(quoted, `unknown flag '${quoted}'${near ? ` (did you mean --${near}?)` : ''}`)
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new UsageError(`unexpected argument '${quoted}': this command takes only flags (quote a value that holds spaces)`)
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const flag = /--[\w-]+/.exec(err.message)?.[0] ?? quoted
      if (/does not take an argument/.test(err.message)) return new UsageError(`${flag} takes no value (it is a switch: give it or leave it out)`)
      return new UsageError(`${flag}: expected a value after it, got nothing`)
    }
    default:
      return new UsageError(err.message.replace(/\. To specify a positional argument.*$/s, ''), { cause: err })
  }
}

/** The candidate nearest to `name` within edit distance 2 (1 for short names), if any. */
export function nearest(name: string, candidates: string[]): string | undefined {
  let best: string | undefined
  let bestDistance = name.length <= 4 ? 2 : 3
  for (const c of candidates) {
    const d = distance(name, c)
    if (d < bestDistance) {
      best = c
      bestDistance = d
    }
  }
  return best
}

/** Optimal string alignment distance: edits, with a swap of two neighbours counting as one ('prot' → 'port'). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  }
  return d[a.length][b.length]
}

/** The same flags under another help heading: `...withGroup(SOURCE_FLAGS, 'Data')`. */
export function withGroup<T extends FlagSpec>(flags: T, group: string): T {
  return Object.fromEntries(Object.entries(flags).map(([name, def]) => [name, { ...def, group }])) as T
}

export function str(values: ParsedFlags['values'], name: string): string | undefined {
  const v = values[name]
  return typeof v === 'string' ? v : undefined
}

export function strs(values: ParsedFlags['values'], name: string): string[] {
  const v = values[name]
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : []
}

/** An integer flag: `--port 8080`. */
export function int(values: ParsedFlags['values'], name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const raw = str(values, name)
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (!/^-?\d+$/.test(raw.trim()) || n < min || n > max) {
    throw new UsageError(`--${name}: expected a whole number from ${min} to ${max}, got '${raw}'`)
  }
  return n
}

/** A number flag: `--sample 12.5`. */
export function num(values: ParsedFlags['values'], name: string, min: number, max: number): number | undefined {
  const raw = str(values, name)
  if (raw === undefined) return undefined
  const n = Number(raw.trim().replace(/%$/, ''))
  if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`--${name}: expected a number from ${min} to ${max}, got '${raw}'`)
  }
  return n
}

/** One of a fixed set of words: `--format text|json`. */
export function oneOf<T extends string>(values: ParsedFlags['values'], name: string, allowed: readonly T[]): T | undefined {
  const raw = str(values, name)
  if (raw === undefined) return undefined
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new UsageError(`--${name}: expected ${allowed.length === 2 ? allowed.join(' or ') : `one of ${allowed.join(', ')}`}, got '${raw}'`)
  }
  return raw as T
}

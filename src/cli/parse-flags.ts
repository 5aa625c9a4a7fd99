/**
 * Flag parsing on node:util parseArgs (strict: unknown flags are errors),
 * with messages that say which flag was wrong and what was expected.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError } from '../errors.js'

export type FlagSpec = NonNullable<ParseArgsConfig['options']>

export interface ParsedFlags {
  values: Record<string, string | boolean | string[] | undefined>
  positionals: string[]
}

export function parseFlags(argv: string[], options: FlagSpec, allowPositionals = false): ParsedFlags {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals })
    return { values: values as ParsedFlags['values'], positionals }
  } catch (err) {
    // parseArgs says e.g. "Unknown option '--prot'": keep its words, drop its advice about '--'.
    const message = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '')
    throw new UsageError(message, { cause: err })
  }
}

/**
 * A command's flags, or undefined when `--help` was given: the usage is then
 * printed and the command returns 0. Every command starts with it.
 *
 * @example
 *   const parsed = parseCommandFlags(argv, FLAGS, USAGE)
 *   if (parsed === undefined) return 0
 */
export function parseCommandFlags(argv: string[], options: FlagSpec, usage: string, allowPositionals = false): ParsedFlags | undefined {
  const parsed = parseFlags(argv, options, allowPositionals)
  if (!parsed.values.help) return parsed
  console.log(usage)
  return undefined
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

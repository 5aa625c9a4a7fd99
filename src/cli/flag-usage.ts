/**
 * `--help` text generated from a command's flag spec (src/cli/parse-flags.ts),
 * in the layout of kubectl and git: flags in one aligned column, their help
 * beside them, defaults as "(default …)", long lines wrapped.
 *
 *   Usage: shadowdiff diffs [options]
 *
 *     -n, --limit N            at most N exchanges (default 100)
 *         --route ROUTE        only this endpoint …
 */
import type { CommandSpec, FlagDef, FlagSpec } from './parse-flags.js'
import { HELP_FLAG } from './parse-flags.js'

/** Help text column: flags longer than this put their help on the next line. */
const MAX_FLAG_COLUMN = 34

const NBSP = '\u00a0'

/** Output width: the terminal's when there is one, else 100 (files, pipes, tests: stable). */
export function helpWidth(): number {
  const columns = process.stdout.isTTY ? process.stdout.columns : undefined
  return Math.max(60, Math.min(columns ?? 100, 120))
}

/** The whole --help of one command. */
export function renderUsage(command: CommandSpec, width = helpWidth()): string {
  const [first, ...more] = command.synopsis.split('\n')
  const lines = [`Usage: shadowdiff ${command.name} ${first}`.trimEnd(), ...more.map((l) => `       shadowdiff ${command.name} ${l}`.trimEnd())]
  if (command.description) lines.push('', ...command.description.split('\n').flatMap((l) => wrap(l, width, '')))
  lines.push('', renderFlags(command.flags, width))
  if (command.footer) lines.push('', command.footer)
  return lines.join('\n')
}

/** The flag label as help shows it: `-n, --limit N` or `    --route ROUTE`. */
export function flagLabel(name: string, def: FlagDef): string {
  return `${def.short ? `-${def.short}, ` : '    '}--${name}${def.arg ? ` ${def.arg}` : ''}`
}

/** Every flag of a spec, `--help` last, grouped under headings when the spec has groups. */
export function renderFlags(flags: FlagSpec, width = helpWidth()): string {
  const entries = Object.entries({ ...flags, help: { ...HELP_FLAG, ...flags.help, help: HELP_FLAG.help } })
  const labels = entries.map(([name, def]) => flagLabel(name, def))
  const column = Math.min(MAX_FLAG_COLUMN, Math.max(...labels.map((l) => l.length))) + 4
  const out: string[] = []
  let group: string | undefined
  const grouped = entries.some(([, def]) => def.group !== undefined)
  entries.forEach(([, def], i) => {
    const heading = def === entries.at(-1)?.[1] && grouped ? 'Other options:' : def.group
    if (grouped && heading !== undefined && heading !== group) {
      if (out.length > 0) out.push('')
      out.push(heading.endsWith(':') ? heading : `${heading}:`)
      group = heading
    }
    // "(default …)" is never split across lines: its spaces do not break while wrapping.
    const text = [def.help ?? '', describeDefault(def).replaceAll(' ', NBSP)].filter(Boolean).join(' ')
    const label = `  ${labels[i]}`
    const body = text.split('\n').flatMap((l) => wrap(l, width - column, '')).map((l) => l.replaceAll(NBSP, ' '))
    if (label.length + 2 > column) {
      out.push(label)
      for (const l of body) out.push(' '.repeat(column) + l)
    } else {
      out.push(label.padEnd(column) + (body[0] ?? ''))
      for (const l of body.slice(1)) out.push(' '.repeat(column) + l)
    }
  })
  return out.map((l) => l.trimEnd()).join('\n')
}

function describeDefault(def: FlagDef): string {
  if (def.required) return '(required)'
  if (def.default === undefined || def.default === '') return ''
  return `(default ${def.default})`
}

/** Words of `text` in lines of at most `width` characters (a longer word keeps its own line). */
function wrap(text: string, width: number, indent: string): string[] {
  if (text.length <= width) return [text]
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line)
      line = indent + word
    } else {
      line = line === '' ? word : `${line} ${word}`
    }
  }
  if (line !== '') lines.push(line)
  return lines
}

/**
 * The README's flag tables and the commands' --help agree: every flag in the
 * table of a section headed "`shadowdiff <command>`" exists in that
 * command's help, and every flag of the help is in the table; where the
 * table gives a default as one `value`, the help shows the same default.
 */
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { runCli } from '../helpers/cli.js'
import { flagsInHelp, helpDefault } from '../helpers/help-text.js'

interface FlagTable {
  command: string
  rows: { flags: string[]; default: string }[]
}

/** Tables whose header starts `| flag |`, under `## \`shadowdiff <command>\`` headings. */
function readmeFlagTables(markdown: string): FlagTable[] {
  const tables: FlagTable[] = []
  let command: string | undefined
  let current: FlagTable | undefined
  for (const line of markdown.split('\n')) {
    const heading = /^#{2,3} .*`shadowdiff ([a-z]+(?: [a-z]+)?)`/.exec(line)
    if (heading) {
      command = heading[1]
      current = undefined
      continue
    }
    if (/^#{1,3} /.test(line)) command = undefined
    if (command && /^\| flag \|/.test(line)) {
      current = { command, rows: [] }
      tables.push(current)
      continue
    }
    if (current && line.startsWith('| ---')) continue
    if (current && line.startsWith('|')) {
      // Cells split on unescaped pipes (`json\|pretty` is one cell).
      const cells = line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim())
      current.rows.push({ flags: [...cells[0].matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0].slice(2)), default: cells[1] ?? '' })
      continue
    }
    current = undefined
  }
  return tables
}

describe("README flag tables match each command's --help", () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const tables = readmeFlagTables(readme)

  it('finds the tables of serve, gate and replay', () => {
    expect(tables.map((t) => t.command).sort()).toEqual(['gate', 'replay', 'serve'])
  })

  it('every README flag is in the help, every help flag is in the README, and single-value defaults agree', async () => {
    const helps = await Promise.all(tables.map((t) => runCli([...t.command.split(' '), '--help'])))
    tables.forEach((table, i) => {
      const help = helps[i].stdout
      const inHelp = flagsInHelp(help).filter((f) => f !== 'help')
      const inReadme = table.rows.flatMap((r) => r.flags)
      expect(inReadme.filter((f) => !inHelp.includes(f)), `${table.command}: in the README, not in --help`).toEqual([])
      expect(inHelp.filter((f) => !inReadme.includes(f)), `${table.command}: in --help, not in the README`).toEqual([])
      for (const row of table.rows) {
        const single = /^`([^`]+)`$/.exec(row.default)
        if (row.flags.length !== 1 || !single) continue
        expect(helpDefault(help, row.flags[0]), `${table.command} --${row.flags[0]}: README says ${single[1]}`).toBe(single[1])
      }
    })
  })
})

/**
 * `shadowdiff report`: the report model rendered as json, md, html or junit.
 * json and md go to stdout unless --out is given; html and junit are files
 * (default reports/report.html, reports/junit.xml).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { readReport } from '../report/read-report.js'
import { renderReport, REPORT_FORMATS, type ReportFormat } from '../report/render-report.js'
import { thresholdOverrides } from '../gate/threshold-overrides.js'
import { oneOf, parseCommandFlags, str, withGroup, type CommandSpec, type FlagSpec } from './parse-flags.js'
import { SOURCE_FLAGS, sourcesFrom, windowFrom } from './source-flags.js'
import { NOISE_FLAGS, reportNoiseOptions } from './noise-flags.js'
import { gateConfigFrom, THRESHOLD_FLAG_SPEC } from './gate-command.js'

const DEFAULT_FILES: Partial<Record<ReportFormat, string>> = { html: 'reports/report.html', junit: 'reports/junit.xml' }

const FLAGS = {
  format: { type: 'string', short: 'f', arg: 'FORMAT', help: `${REPORT_FORMATS.slice(0, -1).join(', ')} or ${REPORT_FORMATS.at(-1)}`, default: 'json' },
  out: {
    type: 'string',
    short: 'o',
    arg: 'FILE',
    help: `write here ('-' for stdout); json and md default to stdout, html to ${DEFAULT_FILES.html}, junit to ${DEFAULT_FILES.junit}`,
  },
  ...SOURCE_FLAGS,
  config: { type: 'string', arg: 'FILE', help: 'read gate thresholds (gate: …) and noise options (noise: …) from this file' },
  ...NOISE_FLAGS,
} satisfies FlagSpec

export const REPORT_COMMAND: CommandSpec = {
  name: 'report',
  synopsis: '[--format json|md|html|junit] [--out FILE] [options]',
  summary: 'summarise recorded exchanges (json, md, html, junit)',
  description: "The thresholds decide the report's verdict, as 'shadowdiff gate' would.",
  flags: { ...withGroup(FLAGS, 'Options'), ...THRESHOLD_FLAG_SPEC },
}

export async function reportCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandFlags(argv, REPORT_COMMAND)
  if (parsed === undefined) return 0
  const { values } = parsed
  const format = oneOf(values, 'format', REPORT_FORMATS) ?? 'json'
  const thresholds = { ...gateConfigFrom(str(values, 'config')), ...thresholdOverrides(values) }
  const noise = reportNoiseOptions(values, str(values, 'config'))
  const report = await readReport(sourcesFrom(values), { ...windowFrom(values), thresholds, noise })
  const text = renderReport(report, format)
  const out = str(values, 'out') ?? DEFAULT_FILES[format] ?? '-'
  if (out === '-') {
    process.stdout.write(text.endsWith('\n') ? text : text + '\n')
  } else {
    mkdirSync(dirname(out), { recursive: true })
    writeFileSync(out, text)
    console.error(`wrote ${out}`)
  }
  return 0
}

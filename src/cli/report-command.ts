/**
 * `shadowdiff report`: the report model rendered as json, md, html or junit.
 * json and md go to stdout unless --out is given; html and junit are files
 * (default reports/report.html, reports/junit.xml).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { UsageError } from '../errors.js'
import { buildReport } from '../report/build-report.js'
import { renderReport, REPORT_FORMATS, type ReportFormat } from '../report/render-report.js'
import { thresholdOverrides, THRESHOLD_FLAGS } from '../gate/threshold-overrides.js'
import { parseCommandFlags, str, type FlagSpec } from './parse-flags.js'
import { SOURCE_FLAGS, SOURCE_USAGE, sourcesFrom, windowFrom } from './source-flags.js'
import { NOISE_FLAGS, noiseUsage, reportNoiseOptions } from './noise-flags.js'
import { gateConfigFrom } from './gate-command.js'

const FLAGS: FlagSpec = {
  ...SOURCE_FLAGS,
  format: { type: 'string', short: 'f' },
  out: { type: 'string', short: 'o' },
  config: { type: 'string' },
  ...Object.fromEntries(THRESHOLD_FLAGS.map((f) => [f, { type: 'string' as const }])),
  ...NOISE_FLAGS,
  help: { type: 'boolean', short: 'h' },
}

const USAGE = `Usage: shadowdiff report [--format json|md|html|junit] [--out FILE] [options]

  --format FORMAT          json (default), md, html or junit
  --out FILE               write here ('-' for stdout); html and junit default to reports/
${SOURCE_USAGE}
  --config FILE            read gate thresholds (gate: …) and noise options (noise: …) from this file
  --max-divergence RATE …  gate thresholds used for the verdict (see 'shadowdiff gate --help')
  --confidence LEVEL       judge the verdict on one-sided Clopper–Pearson bounds, e.g. 0.95 (default 0 = off)
${noiseUsage()}`

const DEFAULT_FILES: Partial<Record<ReportFormat, string>> = { html: 'reports/report.html', junit: 'reports/junit.xml' }

export async function reportCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandFlags(argv, FLAGS, USAGE)
  if (parsed === undefined) return 0
  const { values } = parsed
  const format = (str(values, 'format') ?? 'json') as ReportFormat
  if (!REPORT_FORMATS.includes(format)) {
    throw new UsageError(`--format: expected one of ${REPORT_FORMATS.join(', ')}, got '${format}'`)
  }
  const thresholds = { ...gateConfigFrom(str(values, 'config')), ...thresholdOverrides(values) }
  const noise = reportNoiseOptions(values, str(values, 'config'))
  const report = buildReport(sourcesFrom(values), { ...windowFrom(values), thresholds, noise })
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

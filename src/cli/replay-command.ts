/**
 * `shadowdiff replay`: gate a build on recorded traffic, with no live
 * traffic at all. Reads a capture (ours, HAR or GoReplay), sends every
 * request to the primary and the candidate, compares and records exactly as
 * `serve` does, prints the report summary, and exits with the gate's code:
 * 0 pass, 1 fail, 2 usage or unreadable input.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { UsageError } from '../errors.js'
import { LOG_LEVELS, validateConfig } from '../config.js'
import { createLogger } from '../logger.js'
import { readReport } from '../report/read-report.js'
import { openStore } from '../store/open-store.js'
import { isPostgresUrl } from '../store/database-url.js'
import { renderReport, REPORT_FORMATS, type ReportFormat } from '../report/render-report.js'
import type { Report } from '../report/report-types.js'
import { formatVerdict } from '../gate/format-verdict.js'
import { gateExitCode, inconclusiveFlag, EXIT_USAGE } from '../gate/exit-code.js'
import { thresholdOverrides } from '../gate/threshold-overrides.js'
import { runReplay, type ReplayResult } from '../replay/replay-runner.js'
import { INPUT_FORMATS, type InputFormat } from '../replay/read-records.js'
import { compileGlob } from '../replay/replay-filter.js'
import { parseRate, parseSpeed, type Pacing } from '../replay/pacing.js'
import { Progress } from '../replay/progress.js'
import { readConfigFile } from './config-file.js'
import { gateConfigFrom, INCONCLUSIVE_FLAG, THRESHOLD_FLAG_SPEC } from './gate-command.js'
import { NOISE_FLAGS, noiseFlags, reportNoiseOptions } from './noise-flags.js'
import { int, parseCommandFlags, str, strs, withGroup, type CommandSpec, type FlagSpec, type ParsedFlags } from './parse-flags.js'

const DEFAULT_DB = './shadowdiff-replay.db'
const DEFAULT_CONCURRENCY = 32
const DEFAULT_TIMEOUT_MS = 5_000
const DEFAULT_LOG_LEVEL = 'warn'
const DEFAULT_REPORT_FILES: Record<ReportFormat, string> = { json: 'reports/report.json', md: 'reports/report.md', html: 'reports/report.html', junit: 'reports/junit.xml' }
/** Malformed records printed one by one; beyond, only counted. */
const SHOWN_MALFORMED = 50

const FLAGS = {
  from: { type: 'string', arg: 'FILE', group: 'What to replay', help: 'capture to replay: .ndjson (serve --capture), .har, .gor; .gz too', required: true },
  format: { type: 'string', arg: 'FORMAT', group: 'What to replay', help: `${INPUT_FORMATS.join(', ')}, when the name does not say`, default: 'sniffed' },
  limit: { type: 'string', arg: 'N', group: 'What to replay', help: 'send at most N requests', default: 'all' },
  'filter-method': { type: 'string', multiple: true, arg: 'M', group: 'What to replay', help: 'only these methods (repeat, or GET,HEAD)' },
  'filter-path': { type: 'string', arg: 'GLOB', group: 'What to replay', help: 'only paths matching GLOB: * within a segment, ** across, ? one character' },
  'allow-unsafe': { type: 'boolean', group: 'What to replay', help: 'replay POST, PUT, PATCH, DELETE …: both builds run their side effects again' },
  strict: { type: 'boolean', group: 'What to replay', help: 'stop at the first malformed record, exit 2 (otherwise: report FILE:LINE, skip, count)' },
  primary: { type: 'string', arg: 'URL', group: 'Where to send it', help: 'the build the candidate is judged against', required: true },
  candidate: { type: 'string', arg: 'URL', group: 'Where to send it', help: 'the build under test', required: true },
  secondary: { type: 'string', arg: 'URL', group: 'Where to send it', help: "second instance of the primary's build, for noise cancellation" },
  header: { type: 'string', multiple: true, arg: 'HEADER', group: 'Where to send it', help: "'Name: value': add or replace a header on every side (repeat); e.g. a fresh token" },
  'keep-host': { type: 'boolean', group: 'Where to send it', help: "send the recorded Host header instead of each side's own" },
  concurrency: { type: 'string', arg: 'N', group: 'Where to send it', help: 'exchanges in flight at most', default: DEFAULT_CONCURRENCY },
  rate: { type: 'string', arg: 'R/s', group: 'Where to send it', help: 'a fixed pace, e.g. 50/s or 3000/m', default: 'as fast as --concurrency allows' },
  speed: { type: 'string', arg: 'FACTOR', group: 'Where to send it', help: 'the recorded pace times FACTOR, e.g. 1x, 2x, 0.5x (not with --rate)' },
  timeout: { type: 'string', arg: 'MS', group: 'Where to send it', help: "deadline of each side's answer", default: DEFAULT_TIMEOUT_MS },
  db: {
    type: 'string',
    arg: 'PATH|URL',
    group: 'Comparing and recording',
    help: "SQLite file, replaced by each replay; or a postgres:// URL, kept (the gate then judges this replay's window)",
    default: DEFAULT_DB,
  },
  rules: { type: 'string', arg: 'PATH', group: 'Comparing and recording', help: 'rule file or folder', default: './rules when it exists' },
  config: { type: 'string', arg: 'FILE', group: 'Comparing and recording', help: "YAML/JSON as for serve: its rules, store redaction, noise and gate: thresholds apply (listeners, admin, split and capture are ignored)" },
  ...withGroup(NOISE_FLAGS, 'Comparing and recording'),
  report: { type: 'string', arg: 'FORMAT', group: 'Report and gate', help: `also write the report: ${REPORT_FORMATS.join(', ')}` },
  out: { type: 'string', short: 'o', arg: 'FILE', group: 'Report and gate', help: "where --report goes ('-' for stdout)", default: 'reports/report.<ext>' },
  ...withGroup(THRESHOLD_FLAG_SPEC, 'Report and gate'),
  ...withGroup(INCONCLUSIVE_FLAG, 'Report and gate'),
  'log-level': { type: 'string', arg: 'LEVEL', group: 'Other options:', help: LOG_LEVELS.join('|'), default: DEFAULT_LOG_LEVEL },
} satisfies FlagSpec

export const REPLAY_COMMAND: CommandSpec = {
  name: 'replay',
  synopsis: '--from FILE --primary URL --candidate URL [options]',
  summary: 'replay a capture (ours, HAR, .gor) against primary and candidate, compare, gate',
  description: `Sends recorded requests to the primary and the candidate, compares both
answers with the rules and noise handling of 'serve', records them in --db,
prints the report summary and exits with the gate's verdict.`,
  flags: FLAGS,
  footer: 'Exit status: 0 pass, 1 fail, 2 usage or unreadable input, 3 inconclusive (--confidence only).',
}

export async function replayCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandFlags(argv, REPLAY_COMMAND)
  if (parsed === undefined) return 0
  const { values } = parsed
  const file = str(values, 'from')
  if (file === undefined) throw new UsageError('--from FILE is required: the capture to replay (serve --capture, a HAR or a .gor file)')
  const format = str(values, 'format') as InputFormat | undefined
  if (format !== undefined && !INPUT_FORMATS.includes(format)) throw new UsageError(`--format: expected one of ${INPUT_FORMATS.join(', ')}, got '${format}'`)
  const pacing = pacingFrom(values)
  const report = reportTarget(values)
  const configPath = str(values, 'config')
  const config = replayConfig(values, configPath)
  const thresholds = { ...gateConfigFrom(configPath), ...thresholdOverrides(values) }
  const noise = reportNoiseOptions(values, configPath)
  const inconclusive = inconclusiveFlag(str(values, 'inconclusive'))
  const methods = strs(values, 'filter-method').flatMap((m) => m.split(',')).map((m) => m.trim().toUpperCase()).filter(Boolean)
  const pathGlob = str(values, 'filter-path')
  if (pathGlob !== undefined && !pathGlob.startsWith('/') && !pathGlob.startsWith('*')) throw new UsageError(`--filter-path: expected a path glob starting with '/', e.g. '/api/**', got '${pathGlob}'`)
  const extra = strs(values, 'header').map(headerFlag)

  const logger = createLogger(config.logLevel, config.logFormat)
  // A shared PostgreSQL database is never replaced: the gate judges the exchanges recorded since the replay began.
  const pg = isPostgresUrl(config.db)
  const store = pg ? await openStore(config) : undefined
  const started = Date.now()
  let shown = 0
  let progress: Progress | null = null
  const abort = new AbortController()
  const onInt = () => {
    process.stderr.write('\nreplay: interrupted; finishing the exchanges in flight (again to quit at once)\n')
    abort.abort()
    process.once('SIGINT', () => process.exit(130))
  }
  process.once('SIGINT', onInt)
  let result: ReplayResult
  try {
    result = await runReplay(
      {
        file,
        format,
        config,
        concurrency: config.mirror.maxInFlight,
        pacing,
        limit: int(values, 'limit', 1) ?? null,
        methods: methods.length > 0 ? new Set(methods) : null,
        path: pathGlob === undefined ? null : compileGlob(pathGlob),
        allowUnsafe: values['allow-unsafe'] === true,
        keepHost: values['keep-host'] === true,
        extra,
        strict: values.strict === true,
        signal: abort.signal,
        // A replay's database holds that replay only: the gate must judge this run, not an earlier one.
        // Replaced once the capture has opened, so a mistyped --from leaves the last replay's in place.
        store,
        beforeRecording() {
          if (pg) return
          for (const suffix of ['', '-wal', '-shm']) rmSync(config.db + suffix, { force: true })
          if (!existsSync(dirname(config.db))) mkdirSync(dirname(config.db), { recursive: true })
        },
        onMalformed(where, problem) {
          if (shown++ < SHOWN_MALFORMED) process.stderr.write(`${where}: ${problem}\n`)
          else if (shown === SHOWN_MALFORMED + 1) process.stderr.write(`replay: more malformed records: counted, not shown\n`)
        },
      },
      logger,
      (read) => (progress = new Progress(read, { out: process.stderr })),
    )
  } finally {
    ;(progress as Progress | null)?.stop()
    process.off('SIGINT', onInt)
  }
  if (result.strictStop !== null) {
    process.stderr.write(`replay: stopped at the first malformed record (--strict): ${result.strictStop.where}\n`)
    return EXIT_USAGE
  }
  const built = await readReport([config.db], { thresholds, noise, ...(pg && { since: started }) })
  process.stdout.write(summary(file, result, built))
  if (report !== null) {
    const text = renderReport(built, report.format)
    if (report.out === '-') process.stdout.write(text.endsWith('\n') ? text : text + '\n')
    else {
      mkdirSync(dirname(report.out), { recursive: true })
      writeFileSync(report.out, text)
      process.stderr.write(`wrote ${report.out}\n`)
    }
  }
  return gateExitCode(built.verdict, inconclusive)
}

/** Config for the pipeline: the --config file (same shape as serve's), then the flags. */
function replayConfig(values: ParsedFlags['values'], configPath: string | undefined): ReturnType<typeof validateConfig> {
  const input: Record<string, unknown> = configPath === undefined ? {} : { ...readConfigFile(configPath) }
  const set = (key: string, value: unknown) => value !== undefined && (input[key] = value)
  set('primary', str(values, 'primary'))
  set('candidate', str(values, 'candidate'))
  set('secondary', str(values, 'secondary'))
  set('rules', str(values, 'rules'))
  if (input.primary === undefined) throw new UsageError('--primary URL is required: the build the candidate is judged against')
  if (input.candidate === undefined) throw new UsageError('--candidate URL is required: the build under test')
  if (input.rules === undefined && existsSync('rules')) input.rules = 'rules'
  input.db = str(values, 'db') ?? DEFAULT_DB
  input.logLevel = str(values, 'log-level') ?? DEFAULT_LOG_LEVEL
  const concurrency = int(values, 'concurrency', 1, 10_000) ?? DEFAULT_CONCURRENCY
  const mirror = { ...((input.mirror as Record<string, unknown>) ?? {}) }
  // The scheduler's bound is the replay's: N exchanges in flight, never queued behind.
  // Fixed, not adaptive: the replay paces itself and must send every request it read,
  // so nothing may be shed or queued past the slots it waits for.
  mirror.concurrency = 'fixed'
  mirror.maxInFlight = concurrency
  mirror.maxQueue = concurrency
  mirror.timeoutMs = int(values, 'timeout', 1) ?? (mirror.timeoutMs as number | undefined) ?? DEFAULT_TIMEOUT_MS
  input.mirror = mirror
  const noise = noiseFlags(values)
  if (Object.keys(noise).length > 0) input.noise = { ...((input.noise as Record<string, unknown>) ?? {}), ...noise }
  // A config file shared with production's serve: its listeners, admin API, split and capture mean
  // nothing to a replay (and a non-loopback adminHost would demand a token it does not need).
  for (const key of ['host', 'port', 'adminHost', 'adminPort', 'adminToken', 'split', 'capture']) delete input[key]
  return validateConfig(input)
}

function pacingFrom(values: ParsedFlags['values']): Pacing {
  const rate = str(values, 'rate')
  const speed = str(values, 'speed')
  if (rate !== undefined && speed !== undefined) throw new UsageError(`--rate and --speed are exclusive: a fixed pace or the recorded one, got both ('${rate}', '${speed}')`)
  if (rate !== undefined) {
    const n = parseRate(rate)
    if (typeof n === 'string') throw new UsageError(n)
    return { kind: 'rate', perSecond: n }
  }
  if (speed !== undefined) {
    const n = parseSpeed(speed)
    if (typeof n === 'string') throw new UsageError(n)
    return { kind: 'speed', factor: n }
  }
  return { kind: 'none' }
}

function reportTarget(values: ParsedFlags['values']): { format: ReportFormat; out: string } | null {
  const format = str(values, 'report') as ReportFormat | undefined
  const out = str(values, 'out')
  if (format === undefined) {
    if (out !== undefined) throw new UsageError(`--out needs --report FORMAT (md, html, junit or json), got --out '${out}' alone`)
    return null
  }
  if (!REPORT_FORMATS.includes(format)) throw new UsageError(`--report: expected one of ${REPORT_FORMATS.join(', ')}, got '${format}'`)
  return { format, out: out ?? DEFAULT_REPORT_FILES[format] }
}

/** `--header 'Authorization: Bearer x'` → { name, value }. */
function headerFlag(text: string): { name: string; value: string } {
  const colon = text.indexOf(':')
  const name = colon < 0 ? '' : text.slice(0, colon).trim()
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new UsageError(`--header: expected 'Name: value', e.g. 'Authorization: Bearer <token>', got '${text}'`)
  return { name, value: text.slice(colon + 1).trim() }
}

function summary(file: string, r: ReplayResult, report: Report): string {
  const n = (x: number) => x.toLocaleString('en-US')
  const seconds = r.elapsedMs / 1000
  const t = report.totals
  const lines = [
    `replay ${file} (${r.format}): sent ${n(r.sent)} in ${seconds.toFixed(1)} s (${n(Math.round(r.sent / Math.max(seconds, 0.001)))}/s), compared ${n(t.compared)}, divergent ${n(t.divergent)} (${(t.divergenceRate * 100).toFixed(1)}%), errors ${n(r.errors)}${r.interrupted ? ' — interrupted' : ''}`,
  ]
  const skipped: string[] = []
  if (r.skipped.unsafe > 0) {
    const methods = Object.entries(r.unsafeMethods).map(([m, c]) => `${m} ×${c}`).join(', ')
    skipped.push(`${n(r.skipped.unsafe)} unsafe (${methods}; replay them with --allow-unsafe)`)
  }
  if (r.skipped.filtered > 0) skipped.push(`${n(r.skipped.filtered)} filtered out`)
  if (r.skipped.nonHttp > 0) skipped.push(`${n(r.skipped.nonHttp)} non-HTTP URLs`)
  if (r.skipped.response > 0) skipped.push(`${n(r.skipped.response)} responses (.gor type 2/3)`)
  if (r.malformed > 0) skipped.push(`${n(r.malformed)} malformed`)
  if (r.primaryFailed > 0) skipped.push(`${n(r.primaryFailed)} with no primary answer (not compared)`)
  if (skipped.length > 0) lines.push(`skipped: ${skipped.join(', ')}`)
  for (const e of report.endpoints.slice(0, 10)) {
    const top = e.fields.slice(0, 2).map((f) => `${f.field} (${f.op}) ×${f.count}`).join(', ')
    lines.push(`  ${e.method} ${e.route}: ${e.divergent}/${e.compared} divergent${top ? ` — ${top}` : ''}`)
  }
  if (report.endpoints.length > 10) lines.push(`  … ${report.endpoints.length - 10} more endpoints in the report`)
  return `${lines.join('\n')}\n\n${formatVerdict(report.verdict)}`
}

/**
 * Command-line entry: `shadowdiff <command> [flags]`. Exit codes: 0 success
 * (gate passed), 1 gate failed or runtime failure, 2 usage, config or input
 * errors (with a one-line reason, its error code, and where to find the usage).
 */
import { ShadowdiffError } from '../errors.js'
import { serveCommand } from './serve-command.js'
import { COMPARE_COMMAND, compareCommand } from './compare-command.js'
import { REPORT_COMMAND, reportCommand } from './report-command.js'
import { DIFFS_COMMAND, diffsCommand } from './diffs-command.js'
import { GATE_COMMAND, gateCommand } from './gate-command.js'
import { RULES_CHECK_COMMAND, RULES_EXPLAIN_COMMAND, rulesCommand } from './rules-command.js'
import { SUGGEST_COMMAND } from './rules-suggest.js'
import { DEMO_COMMAND, demoCommand } from './demo-command.js'
import { PROMOTE_COMMAND, promoteCommand } from './promote-command.js'
import { ROLLBACK_COMMAND, SPLIT_COMMAND, rollbackCommand, splitCommand } from './split-command.js'
import { STATUS_COMMAND, statusCommand } from './status-command.js'
import { SERVE_COMMAND } from './serve-options.js'
import { AdminApiError } from './admin-client.js'
import { REPLAY_COMMAND, replayCommand } from './replay-command.js'
import { CAPTURE_EXPORT_COMMAND, captureCommand } from './capture-command.js'
import { UnknownFlag, type CommandSpec } from './parse-flags.js'

type Run = (argv: string[]) => Promise<number>

/**
 * Every command: its spec (help, flags) and what runs it. The top-level help
 * lists them in this order; subcommands (`rules check`) share their parent's run.
 */
export const COMMANDS: { spec: CommandSpec; run: Run }[] = [
  { spec: SERVE_COMMAND, run: serveCommand },
  { spec: COMPARE_COMMAND, run: compareCommand },
  { spec: STATUS_COMMAND, run: statusCommand },
  { spec: REPORT_COMMAND, run: reportCommand },
  { spec: DIFFS_COMMAND, run: diffsCommand },
  { spec: GATE_COMMAND, run: gateCommand },
  { spec: RULES_CHECK_COMMAND, run: rulesCommand },
  { spec: RULES_EXPLAIN_COMMAND, run: rulesCommand },
  { spec: SUGGEST_COMMAND, run: rulesCommand },
  { spec: REPLAY_COMMAND, run: replayCommand },
  { spec: CAPTURE_EXPORT_COMMAND, run: captureCommand },
  { spec: SPLIT_COMMAND, run: splitCommand },
  { spec: PROMOTE_COMMAND, run: promoteCommand },
  { spec: ROLLBACK_COMMAND, run: rollbackCommand },
  { spec: DEMO_COMMAND, run: demoCommand },
]

function topLevelUsage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.spec.name.length)) + 3
  const lines = COMMANDS.map((c) => `  ${c.spec.name.padEnd(width)}${c.spec.summary}`)
  return `Usage: shadowdiff <command> [options]

Commands:
${lines.join('\n')}

  ${'--version'.padEnd(width)}print the version
  ${'-h, --help'.padEnd(width)}print this help

Run 'shadowdiff <command> --help' for the options of a command.
New here? 'shadowdiff demo' runs a self-contained tour.`
}

export const USAGE = topLevelUsage()

/** The message of an error, without its code's fixed prefix ("Invalid config: "): the code is printed beside it. */
function bare(err: ShadowdiffError): string {
  return err.code === 'SHD_CONFIG_INVALID' ? err.message.replace(/^Invalid config: /, '') : err.message
}

/** `--sticky-header` given to `split`: which commands do take it, and what it does there. */
function belongsElsewhere(flag: string, command: string): string | undefined {
  const name = flag.replace(/^--/, '')
  if (!flag.startsWith('--')) return undefined
  const owners = COMMANDS.filter((c) => c.spec.flags[name] !== undefined && c.spec.name !== command)
  if (owners.length === 0) return undefined
  const names = owners.map((c) => c.spec.name)
  const def = owners[0].spec.flags[name]
  const what = def.help ? ` (${def.help.split(/\n|; /)[0]})` : ''
  const also = names.length > 1 ? ` (also ${names.slice(1).join(', ')})` : ''
  return `${flag} is a ${names[0]} flag${also}, not a ${command} flag: give it to 'shadowdiff ${names[0]} ${flag}${def.arg ? ` ${def.arg}` : ''}'${what}`
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE)
    return command === undefined ? 2 : 0
  }
  if (command === '--version' || command === '-v') {
    const { readFileSync } = await import('node:fs')
    console.log(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version)
    return 0
  }
  const entry = COMMANDS.find((c) => c.spec.name.split(' ')[0] === command)
  if (!entry) {
    const names = [...new Set(COMMANDS.map((c) => c.spec.name.split(' ')[0]))]
    console.error(`shadowdiff: SHD_USAGE: unknown command '${command}' (expected one of ${names.join(', ')})\n\n${USAGE}`)
    return 2
  }
  // `rules explain --bogus`: the usage hint names the subcommand.
  const full = COMMANDS.find((c) => c.spec.name === `${command} ${rest[0]}`)?.spec.name ?? command
  try {
    return await entry.run(rest)
  } catch (err) {
    if (err instanceof UnknownFlag) {
      const elsewhere = belongsElsewhere(err.flag, full)
      console.error(`shadowdiff ${full}: ${err.code}: ${elsewhere ?? err.message}.\nRun 'shadowdiff ${full} --help' for usage.`)
      return 2
    }
    if (err instanceof ShadowdiffError && ['SHD_USAGE', 'SHD_CONFIG_INVALID'].includes(err.code)) {
      console.error(`shadowdiff ${full}: ${err.code}: ${bare(err)}\nRun 'shadowdiff ${full} --help' for usage.`)
      return 2
    }
    if (err instanceof ShadowdiffError && ['SHD_RULES_INVALID', 'SHD_DB_UNAVAILABLE', 'SHD_ADMIN_UNREACHABLE', 'SHD_INPUT_UNREADABLE'].includes(err.code)) {
      console.error(`shadowdiff ${full}: ${err.code}: ${err.message}`)
      return 2
    }
    if (err instanceof AdminApiError) {
      // The admin API's own code and words; 400 and 409 are the request's fault (exit 2).
      console.error(`shadowdiff ${full}: ${err.code}: ${err.message}`)
      return err.status === 400 || err.status === 409 ? 2 : 1
    }
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      const e = err as NodeJS.ErrnoException & { address?: string; port?: number }
      const where = e.address !== undefined && e.port !== undefined ? `${e.address}:${e.port}` : (err as Error).message
      console.error(`shadowdiff ${full}: EADDRINUSE: ${where}: the port is taken; choose another with --port/--admin-port`)
      return 2
    }
    throw err
  }
}

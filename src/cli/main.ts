/**
 * Command-line entry: `shadowdiff <command> [flags]`. Exit codes: 0 success
 * (gate passed), 1 gate failed or runtime failure, 2 usage, config or input
 * errors (with a one-line reason and the usage on stderr).
 */
import { ShadowdiffError } from '../errors.js'
import { serveCommand } from './serve-command.js'
import { compareCommand } from './compare-command.js'
import { reportCommand } from './report-command.js'
import { diffsCommand } from './diffs-command.js'
import { gateCommand } from './gate-command.js'
import { rulesCommand } from './rules-command.js'
import { demoCommand } from './demo-command.js'
import { promoteCommand } from './promote-command.js'
import { rollbackCommand, splitCommand } from './split-command.js'
import { AdminApiError } from './admin-client.js'
import { replayCommand } from './replay-command.js'
import { captureCommand } from './capture-command.js'

export const USAGE = `Usage: shadowdiff <command> [options]

Commands:
  serve     run the proxy: primary serves, candidate mirrored and compared
  compare   receiver mode: behind a gateway's mirror, answer 204, compare primary and candidate
  report    summarise recorded exchanges (json, md, html, junit)
  diffs     print divergent exchanges as NDJSON
  gate      pass/fail verdict for CI (exit 0 pass, 1 fail, 2 usage)
  rules     check | explain: validate rule files, explain one recorded exchange
  replay    replay a capture (ours, HAR, .gor) against primary and candidate, compare, gate
  capture   export: convert a capture file to HAR 1.2 or GoReplay's format
  demo      a self-contained tour: two sample services, traffic, report, gate
  split     show or set who serves users: shadow, split (weight %), candidate
  promote   progressive promotion: step weights up, gate each step, roll back on failure
  rollback  send every user back to the primary at once

Run 'shadowdiff <command> --help' for the options of a command.`

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  serve: serveCommand,
  compare: compareCommand,
  report: reportCommand,
  diffs: diffsCommand,
  gate: gateCommand,
  rules: rulesCommand,
  replay: replayCommand,
  capture: captureCommand,
  demo: demoCommand,
  split: splitCommand,
  promote: promoteCommand,
  rollback: rollbackCommand,
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
  const run = COMMANDS[command]
  if (!run) {
    console.error(`shadowdiff: unknown command '${command}' (expected one of ${Object.keys(COMMANDS).join(', ')})\n\n${USAGE}`)
    return 2
  }
  try {
    return await run(rest)
  } catch (err) {
    if (err instanceof ShadowdiffError && ['SHD_USAGE', 'SHD_CONFIG_INVALID'].includes(err.code)) {
      console.error(`shadowdiff ${command}: ${err.message}\nRun 'shadowdiff ${command} --help' for usage.`)
      return 2
    }
    if (err instanceof ShadowdiffError && ['SHD_RULES_INVALID', 'SHD_DB_UNAVAILABLE', 'SHD_INPUT_UNREADABLE'].includes(err.code)) {
      console.error(`shadowdiff ${command}: ${err.message}`)
      return 2
    }
    if (err instanceof AdminApiError) {
      console.error(`shadowdiff ${command}: ${err.message}`)
      return err.status === 400 || err.status === 409 ? 2 : 1
    }
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(`shadowdiff ${command}: ${(err as Error).message}: the port is taken; choose another with --port/--admin-port`)
      return 2
    }
    throw err
  }
}

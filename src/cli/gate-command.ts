/**
 * `shadowdiff gate`: a verdict for CI. Exit 0 pass, 1 fail (without a
 * confidence, too few samples fails too: no evidence is not a pass), 2 usage
 * or unreadable database, 3 inconclusive (only with --confidence; mapped to
 * 0 or 1 by --inconclusive pass|fail for tools that know only those).
 */
import { buildReport } from '../report/build-report.js'
import { formatVerdict } from '../gate/format-verdict.js'
import { gateExitCode, inconclusiveFlag } from '../gate/exit-code.js'
import type { GateThresholds } from '../report/report-types.js'
import { thresholdOverrides, THRESHOLD_FLAGS } from '../gate/threshold-overrides.js'
import { ConfigInvalid, UsageError } from '../errors.js'
import { readConfigFile } from './config-file.js'
import { parseCommandFlags, str, type FlagSpec } from './parse-flags.js'
import { SOURCE_FLAGS, SOURCE_USAGE, sourcesFrom, windowFrom } from './source-flags.js'
import { NOISE_FLAGS, noiseUsage, reportNoiseOptions } from './noise-flags.js'

const FLAGS: FlagSpec = {
  ...SOURCE_FLAGS,
  format: { type: 'string' },
  config: { type: 'string' },
  inconclusive: { type: 'string' },
  ...Object.fromEntries(THRESHOLD_FLAGS.map((f) => [f, { type: 'string' as const }])),
  ...NOISE_FLAGS,
  help: { type: 'boolean', short: 'h' },
}

const USAGE = `Usage: shadowdiff gate [thresholds] [options]

  --max-divergence RATE           overall divergent/compared at most (default 0.01; 1% also accepted)
  --min-samples N                 compared exchanges needed for a verdict (default 100)
  --max-error-rate RATE           candidate errors and 5xx / compared at most (default 0.01)
  --max-latency-ratio R           candidate p99 / primary p99 at most (default 0 = off)
  --min-endpoint-samples N        per endpoint: samples needed before its rate counts (default 0)
  --max-endpoint-divergence RATE  per endpoint divergence at most (default: off)
  --confidence LEVEL              judge rates on one-sided Clopper–Pearson bounds at this level, e.g. 0.95:
                                  pass when every upper bound is within its maximum, fail when a lower
                                  bound is above it, else inconclusive (default 0 = off: rates as measured)
  --inconclusive fail|pass        exit 1 or 0 instead of 3 when inconclusive (default: exit 3)
${noiseUsage(34)}
  --config FILE                   YAML/JSON whose 'gate:' section sets thresholds, and per-endpoint
                                  overrides under gate.endpoints keyed "GET /api/users/:id" or "/api/users/:id";
                                  its 'noise:' section sets confidence and minSamples (flags win)
  --format text|json              verdict format (default text)
${SOURCE_USAGE}

Exit status: 0 pass, 1 fail, 2 usage or unreadable database, 3 inconclusive (--confidence only).`

/** The `gate` section of a config file, if one is given. */
export function gateConfigFrom(path: string | undefined): Partial<GateThresholds> {
  if (!path) return {}
  const gate = readConfigFile(path).gate
  if (gate === undefined || gate === null) return {}
  // A list or a scalar would spread to nothing and silently gate on defaults.
  if (typeof gate !== 'object' || Array.isArray(gate)) {
    const got = Array.isArray(gate) ? 'a list' : `${typeof gate} ${JSON.stringify(gate)}`
    throw new ConfigInvalid(`--config ${path}: gate: expected a mapping of thresholds (maxDivergence: 0.01, endpoints: {...}), got ${got}`)
  }
  return gate as Partial<GateThresholds>
}

export async function gateCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandFlags(argv, FLAGS, USAGE)
  if (parsed === undefined) return 0
  const { values } = parsed
  const format = str(values, 'format') ?? 'text'
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format: expected text or json, got '${format}'`)
  const thresholds = { ...gateConfigFrom(str(values, 'config')), ...thresholdOverrides(values) }
  const noise = reportNoiseOptions(values, str(values, 'config'))
  const inconclusive = inconclusiveFlag(str(values, 'inconclusive'))
  const { verdict } = buildReport(sourcesFrom(values), { ...windowFrom(values), thresholds, noise })
  process.stdout.write(format === 'json' ? JSON.stringify(verdict, null, 2) + '\n' : formatVerdict(verdict) + '\n')
  return gateExitCode(verdict, inconclusive)
}

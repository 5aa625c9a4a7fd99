/**
 * `shadowdiff gate`: a verdict for CI. Exit 0 pass, 1 fail (without a
 * confidence, too few samples fails too: no evidence is not a pass), 2 usage
 * or unreadable database, 3 inconclusive (only with --confidence; mapped to
 * 0 or 1 by --inconclusive pass|fail for tools that know only those).
 */
import { readReport } from '../report/read-report.js'
import { formatVerdict } from '../gate/format-verdict.js'
import { gateExitCode, inconclusiveFlag } from '../gate/exit-code.js'
import type { GateThresholds } from '../report/report-types.js'
import { thresholdOverrides } from '../gate/threshold-overrides.js'
import { DEFAULT_THRESHOLDS } from '../gate/thresholds.js'
import { ConfigInvalid } from '../errors.js'
import { readConfigFile } from './config-file.js'
import { oneOf, parseCommandFlags, str, withGroup, type CommandSpec, type FlagSpec } from './parse-flags.js'
import { SOURCE_FLAGS, sourcesFrom, windowFrom } from './source-flags.js'
import { NOISE_FLAGS, reportNoiseOptions } from './noise-flags.js'

/** The gate thresholds as flags of `gate`, `report`, `promote` and `replay`, with the defaults the gate applies. */
export const THRESHOLD_FLAG_SPEC = {
  'max-divergence': { type: 'string', arg: 'RATE', group: 'Thresholds', help: 'overall divergent/compared at most; 0.01 or 1%', default: DEFAULT_THRESHOLDS.maxDivergence },
  'min-samples': { type: 'string', arg: 'N', group: 'Thresholds', help: 'compared exchanges needed for a verdict (fewer fails; inconclusive with --confidence)', default: DEFAULT_THRESHOLDS.minSamples },
  'max-error-rate': { type: 'string', arg: 'RATE', group: 'Thresholds', help: 'candidate errors and 5xx / compared at most', default: DEFAULT_THRESHOLDS.maxErrorRate },
  'max-latency-ratio': { type: 'string', arg: 'R', group: 'Thresholds', help: 'candidate p99 / primary p99 at most; 0 is off', default: DEFAULT_THRESHOLDS.maxLatencyRatio },
  'min-endpoint-samples': { type: 'string', arg: 'N', group: 'Thresholds', help: 'per endpoint: compared exchanges before its rate is judged', default: DEFAULT_THRESHOLDS.minEndpointSamples },
  'max-endpoint-divergence': { type: 'string', arg: 'RATE', group: 'Thresholds', help: 'per endpoint divergence at most', default: 'the --max-divergence value' },
  confidence: {
    type: 'string',
    arg: 'LEVEL',
    group: 'Thresholds',
    help: 'judge rates on one-sided Clopper–Pearson bounds at this level, e.g. 0.95: pass when every upper bound is within its maximum, fail when a lower bound is above it, else inconclusive; 0 is off (rates as measured)',
    default: DEFAULT_THRESHOLDS.confidence,
  },
} satisfies FlagSpec

/** `--inconclusive`: the exit status of an inconclusive verdict, for `gate` and `replay`. */
export const INCONCLUSIVE_FLAG = {
  inconclusive: { type: 'string', arg: 'fail|pass', help: 'exit 1 or 0 instead of 3 when a --confidence gate is inconclusive', default: 'exit 3' },
} satisfies FlagSpec

const FLAGS = {
  ...THRESHOLD_FLAG_SPEC,
  ...withGroup(INCONCLUSIVE_FLAG, 'Thresholds'),
  config: {
    type: 'string',
    arg: 'FILE',
    group: 'Options',
    help: 'YAML/JSON whose gate: section sets thresholds, with per-endpoint overrides under gate.endpoints keyed "GET /api/users/:id" or "/api/users/:id"; its noise: section sets confidence and minSamples (flags win)',
  },
  ...withGroup(NOISE_FLAGS, 'Options'),
  format: { type: 'string', arg: 'text|json', group: 'Options', help: 'verdict format', default: 'text' },
  ...withGroup(SOURCE_FLAGS, 'Data'),
} satisfies FlagSpec

export const GATE_COMMAND: CommandSpec = {
  name: 'gate',
  synopsis: '[thresholds] [options]',
  summary: 'pass/fail verdict for CI (exit 0 pass, 1 fail, 2 usage, 3 inconclusive)',
  flags: FLAGS,
  footer: 'Exit status: 0 pass, 1 fail, 2 usage or unreadable database, 3 inconclusive (--confidence only).',
}

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
  const parsed = parseCommandFlags(argv, GATE_COMMAND)
  if (parsed === undefined) return 0
  const { values } = parsed
  const format = oneOf(values, 'format', ['text', 'json'] as const) ?? 'text'
  const thresholds = { ...gateConfigFrom(str(values, 'config')), ...thresholdOverrides(values) }
  const noise = reportNoiseOptions(values, str(values, 'config'))
  const inconclusive = inconclusiveFlag(str(values, 'inconclusive'))
  const { verdict } = await readReport(sourcesFrom(values), { ...windowFrom(values), thresholds, noise })
  process.stdout.write(format === 'json' ? JSON.stringify(verdict, null, 2) + '\n' : formatVerdict(verdict))
  return gateExitCode(verdict, inconclusive)
}

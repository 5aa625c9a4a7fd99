/**
 * The flags of `serve` (and `compare`), and how they map onto Config.
 * Precedence: defaults < config file < environment < flags.
 */
import { existsSync } from 'node:fs'
import { DEFAULTS, LOG_FORMATS, LOG_LEVELS, validateConfig, type Config } from '../config.js'
import { readConfigFile } from './config-file.js'
import { int, num, oneOf, str, strs, type CommandSpec, type FlagSpec, type ParsedFlags } from './parse-flags.js'
import { renderUsage } from './flag-usage.js'
import { UsageError } from '../errors.js'
import { cidrProblem } from '../proxy/trusted-proxies.js'
import { NOISE_FLAGS, noiseFlags } from './noise-flags.js'

const D = DEFAULTS

export const SERVE_FLAGS = {
  primary: { type: 'string', arg: 'URL', help: 'production upstream (serves every client)', required: true },
  candidate: { type: 'string', arg: 'URL', help: 'refactored upstream (mirrored, compared)', required: true },
  secondary: { type: 'string', arg: 'URL', help: "second instance of the primary's code, for noise cancellation" },
  host: { type: 'string', arg: 'HOST', help: 'client-facing address', default: D.host },
  port: { type: 'string', arg: 'N', help: 'client-facing port', default: D.port },
  'admin-host': { type: 'string', arg: 'HOST', help: 'admin API address; any other than loopback requires --admin-token', default: D.adminHost },
  'admin-port': { type: 'string', arg: 'N', help: 'admin API port', default: D.adminPort },
  'admin-token': { type: 'string', arg: 'TOKEN', help: 'bearer token for the admin API (or SHADOWDIFF_ADMIN_TOKEN)' },
  db: { type: 'string', arg: 'PATH|URL', help: 'SQLite file (WAL; the folder must exist), or a postgres:// URL shared by a fleet (or SHADOWDIFF_DB)', default: D.db },
  rules: { type: 'string', arg: 'PATH', help: 'rule file or folder', default: './rules when it exists' },
  'mirror-methods': { type: 'string', arg: 'LIST', help: 'methods mirrored; others are served but not mirrored', default: D.mirror.methods.join(',') },
  sample: { type: 'string', arg: 'PERCENT', help: 'share of eligible requests mirrored, 0–100 (deterministic)', default: D.mirror.sample },
  'mirror-timeout': { type: 'string', arg: 'MS', help: 'candidate deadline for the whole exchange', default: D.mirror.timeoutMs },
  'mirror-concurrency': { type: 'string', arg: 'MODE', help: "adaptive: the in-flight limit follows the candidate's latency (gradient controller), load beyond it shed as a fair sample; fixed: always --max-in-flight", default: D.mirror.concurrency },
  'max-in-flight': { type: 'string', arg: 'N', help: 'candidate requests in flight at most (the adaptive limit\'s ceiling)', default: D.mirror.maxInFlight },
  'min-in-flight': { type: 'string', arg: 'N', help: "the adaptive limit's floor", default: D.mirror.minInFlight },
  'mirror-memory': { type: 'string', arg: 'MB', help: 'bytes queued and in-flight mirrors may hold together (request copies, captured bodies)', default: D.mirror.memoryMb },
  'max-queue': { type: 'string', arg: 'N', help: 'mirrors waiting beyond that; more are dropped and counted', default: D.mirror.maxQueue },
  'sticky-header': { type: 'string', arg: 'NAME', help: 'split: keep a user on one side by this header' },
  'sticky-cookie': { type: 'string', arg: 'NAME', help: 'split: keep a user on one side by this cookie' },
  'route-override-header': { type: 'string', arg: 'NAME', help: 'split: a tester header (primary/candidate) that pins a request', default: 'off' },
  'served-by-header': { type: 'string', arg: 'NAME', help: 'response header naming the side that served', default: D.split.servedByHeader },
  'retain-days': { type: 'string', arg: 'N', help: 'prune stored divergences older than N days; 0 keeps them', default: D.store.retainDays },
  'max-db-mb': { type: 'string', arg: 'N', help: 'prune the oldest divergences above this size; 0 is no cap', default: D.store.maxDbMb },
  capture: { type: 'string', arg: 'FILE', help: 'write a redacted sample of the requests, one HAR request per line, for replay', default: 'off' },
  'capture-sample': { type: 'string', arg: 'PERCENT', help: 'share of requests captured, 0–100', default: D.capture.sample },
  'capture-max-bytes': { type: 'string', arg: 'N', help: 'capture file cap; the capture stops there (capture.rotate: rotates); 0 is no cap', default: D.capture.maxBytes },
  'exact-window-hours': { type: 'string', arg: 'H', help: 'keep per-second counts this long, so windows are exact to the second; 0 is forever', default: D.store.exactWindowHours },
  'trusted-proxy': { type: 'string', multiple: true, arg: 'CIDR', help: 'keep X-Forwarded-* from this peer (address or range; repeat for more)', default: 'nobody' },
  ...NOISE_FLAGS,
  config: { type: 'string', arg: 'FILE', help: 'YAML or JSON with the same settings; flags win' },
  'log-level': { type: 'string', arg: 'LEVEL', help: LOG_LEVELS.join('|'), default: D.logLevel },
  'log-format': { type: 'string', arg: 'json|pretty', help: 'json (pino, for machines) or pretty (for people: with a startup banner, a progress line and a final tally on stderr)', default: 'pretty on a terminal, else json' },
} satisfies FlagSpec

/** The flags that only mean something when shadowdiff serves clients (not in receiver mode). */
export const SERVING_ONLY_FLAGS = ['sticky-header', 'sticky-cookie', 'route-override-header', 'served-by-header'] as const

export const SERVE_COMMAND: CommandSpec = {
  name: 'serve',
  synopsis: '--primary URL --candidate URL [options]',
  summary: 'run the proxy: the primary serves, the candidate is mirrored and compared',
  description: 'Precedence: defaults < --config file < environment < flags. SIGTERM/SIGINT stop gracefully; SIGHUP reloads the rules.',
  flags: SERVE_FLAGS,
}

/** `serve`'s usage text (tests and docs read it). */
export const SERVE_USAGE = renderUsage(SERVE_COMMAND, 100)

/** Builds the validated Config from flags, an optional config file and the environment. */
export function configFromFlags(values: ParsedFlags['values'], env: NodeJS.ProcessEnv = process.env): Config {
  const configPath = str(values, 'config')
  const file = configPath ? readConfigFile(configPath) : {}
  const input: Record<string, unknown> = { ...file }
  const section = (name: string) => (input[name] = { ...((input[name] as Record<string, unknown>) ?? {}) }) as Record<string, unknown>
  const set = (key: string, value: unknown) => value !== undefined && (input[key] = value)

  if (env.SHADOWDIFF_ADMIN_TOKEN) input.adminToken = env.SHADOWDIFF_ADMIN_TOKEN
  if (env.SHADOWDIFF_DB) input.db = env.SHADOWDIFF_DB
  set('primary', str(values, 'primary'))
  set('candidate', str(values, 'candidate'))
  set('secondary', str(values, 'secondary'))
  set('host', str(values, 'host'))
  set('port', int(values, 'port', 0, 65535))
  set('adminHost', str(values, 'admin-host'))
  set('adminPort', int(values, 'admin-port', 0, 65535))
  set('adminToken', str(values, 'admin-token'))
  set('db', str(values, 'db'))
  set('rules', str(values, 'rules'))
  set('logLevel', str(values, 'log-level'))
  set('logFormat', oneOf(values, 'log-format', LOG_FORMATS))
  if (input.rules === undefined && existsSync('rules')) input.rules = 'rules'

  const mirror = section('mirror')
  const methods = str(values, 'mirror-methods')
  if (methods !== undefined) mirror.methods = methods.split(',').map((m) => m.trim()).filter(Boolean)
  if (values.sample !== undefined) mirror.sample = num(values, 'sample', 0, 100)
  if (values['mirror-timeout'] !== undefined) mirror.timeoutMs = int(values, 'mirror-timeout', 1)
  if (values['max-in-flight'] !== undefined) mirror.maxInFlight = int(values, 'max-in-flight', 1)
  if (values['min-in-flight'] !== undefined) mirror.minInFlight = int(values, 'min-in-flight', 1)
  if (values['mirror-concurrency'] !== undefined) mirror.concurrency = oneOf(values, 'mirror-concurrency', ['adaptive', 'fixed'] as const)
  if (values['mirror-memory'] !== undefined) mirror.memoryMb = num(values, 'mirror-memory', 1, 1_048_576)
  if (values['max-queue'] !== undefined) mirror.maxQueue = int(values, 'max-queue', 0)

  const split = section('split')
  if (values['sticky-header'] !== undefined) split.stickyHeader = str(values, 'sticky-header')
  if (values['sticky-cookie'] !== undefined) split.stickyCookie = str(values, 'sticky-cookie')
  if (values['route-override-header'] !== undefined) split.routeOverrideHeader = str(values, 'route-override-header')
  if (values['served-by-header'] !== undefined) split.servedByHeader = str(values, 'served-by-header')

  const store = section('store')
  if (values['retain-days'] !== undefined) store.retainDays = num(values, 'retain-days', 0, 36500)
  if (values['max-db-mb'] !== undefined) store.maxDbMb = num(values, 'max-db-mb', 0, 1e9)
  if (values['exact-window-hours'] !== undefined) store.exactWindowHours = num(values, 'exact-window-hours', 0, 87600)

  const capture = section('capture')
  if (values.capture !== undefined) capture.file = str(values, 'capture')
  if (values['capture-sample'] !== undefined) capture.sample = num(values, 'capture-sample', 0, 100)
  if (values['capture-max-bytes'] !== undefined) capture.maxBytes = int(values, 'capture-max-bytes', 0)

  const proxy = section('proxy')
  const trusted = strs(values, 'trusted-proxy')
  for (const entry of trusted) {
    const problem = cidrProblem(entry)
    if (problem !== null) throw new UsageError(`--trusted-proxy: ${problem}`)
  }
  // The flags replace the config file's list, like every other flag.
  if (trusted.length > 0) proxy.trustedProxies = trusted

  Object.assign(section('noise'), noiseFlags(values))

  for (const name of ['mirror', 'split', 'store', 'capture', 'noise', 'proxy']) if (Object.keys(input[name] as object).length === 0) delete input[name]
  return validateConfig(input)
}

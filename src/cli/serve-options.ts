/**
 * The flags of `serve` (and `compare`), and how they map onto Config.
 * Precedence: defaults < config file < environment < flags.
 */
import { existsSync } from 'node:fs'
import { validateConfig, type Config } from '../config.js'
import { readConfigFile } from './config-file.js'
import { int, num, str, type FlagSpec, type ParsedFlags } from './parse-flags.js'
import { NOISE_FLAGS, noiseFlags, noiseUsage } from './noise-flags.js'

export const SERVE_FLAGS: FlagSpec = {
  primary: { type: 'string' },
  candidate: { type: 'string' },
  secondary: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'admin-host': { type: 'string' },
  'admin-port': { type: 'string' },
  'admin-token': { type: 'string' },
  db: { type: 'string' },
  rules: { type: 'string' },
  'mirror-methods': { type: 'string' },
  sample: { type: 'string' },
  'mirror-timeout': { type: 'string' },
  'max-in-flight': { type: 'string' },
  'min-in-flight': { type: 'string' },
  'mirror-concurrency': { type: 'string' },
  'mirror-memory': { type: 'string' },
  'max-queue': { type: 'string' },
  'sticky-header': { type: 'string' },
  'sticky-cookie': { type: 'string' },
  'route-override-header': { type: 'string' },
  'served-by-header': { type: 'string' },
  'retain-days': { type: 'string' },
  'max-db-mb': { type: 'string' },
  ...NOISE_FLAGS,
  config: { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
}

export const SERVE_USAGE = `Usage: shadowdiff serve --primary URL --candidate URL [options]

  --primary URL            production upstream (serves every client)          required
  --candidate URL          refactored upstream (mirrored, compared)           required
  --secondary URL          second instance of the primary, for noise cancellation
  --host HOST              client-facing address              (default 127.0.0.1)
  --port N                 client-facing port                 (default 8080)
  --admin-port N           admin API port, on 127.0.0.1       (default 8081)
  --admin-host HOST        admin API address; non-loopback requires --admin-token
  --admin-token TOKEN      bearer token for the admin API (or SHADOWDIFF_ADMIN_TOKEN)
  --db PATH                SQLite file                        (default ./shadowdiff.db)
  --rules PATH             rule file or folder                (default ./rules if present)
  --mirror-methods LIST    methods mirrored                   (default GET,HEAD,OPTIONS)
  --sample PERCENT         share of requests mirrored, 0–100  (default 100)
  --mirror-timeout MS      candidate timeout                  (default 5000)
  --mirror-concurrency M   adaptive|fixed: in-flight limit from the candidate's latency, or --max-in-flight (default adaptive)
  --max-in-flight N        candidate requests in flight at most (default 1024)
  --min-in-flight N        adaptive limit's floor             (default 4)
  --mirror-memory MB       bytes queued and in-flight mirrors may hold (default 64)
  --max-queue N            mirrors waiting beyond that        (default 512)
  --sticky-header NAME     split: keep a user on one side by this header
  --sticky-cookie NAME     split: keep a user on one side by this cookie
  --route-override-header NAME  split: header that pins a request (off by default)
  --served-by-header NAME  response header naming the side   (default x-shadowdiff-served-by)
  --retain-days N          prune stored divergences older than N days (0 = keep)
  --max-db-mb N            prune oldest divergences above this size (0 = no cap)
${noiseUsage()}
  --config FILE            YAML or JSON with the same settings; flags win
  --log-level LEVEL        trace|debug|info|warn|error|silent (default info)`

/** Builds the validated Config from flags, an optional config file and the environment. */
export function configFromFlags(values: ParsedFlags['values'], env: NodeJS.ProcessEnv = process.env): Config {
  const configPath = str(values, 'config')
  const file = configPath ? readConfigFile(configPath) : {}
  const input: Record<string, unknown> = { ...file }
  const section = (name: string) => (input[name] = { ...((input[name] as Record<string, unknown>) ?? {}) }) as Record<string, unknown>
  const set = (key: string, value: unknown) => value !== undefined && (input[key] = value)

  if (env.SHADOWDIFF_ADMIN_TOKEN) input.adminToken = env.SHADOWDIFF_ADMIN_TOKEN
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
  if (input.rules === undefined && existsSync('rules')) input.rules = 'rules'

  const mirror = section('mirror')
  const methods = str(values, 'mirror-methods')
  if (methods !== undefined) mirror.methods = methods.split(',').map((m) => m.trim()).filter(Boolean)
  if (values.sample !== undefined) mirror.sample = num(values, 'sample', 0, 100)
  if (values['mirror-timeout'] !== undefined) mirror.timeoutMs = int(values, 'mirror-timeout', 1)
  if (values['max-in-flight'] !== undefined) mirror.maxInFlight = int(values, 'max-in-flight', 1)
  if (values['min-in-flight'] !== undefined) mirror.minInFlight = int(values, 'min-in-flight', 1)
  if (values['mirror-concurrency'] !== undefined) mirror.concurrency = str(values, 'mirror-concurrency')
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

  Object.assign(section('noise'), noiseFlags(values))

  for (const name of ['mirror', 'split', 'store', 'noise']) if (Object.keys(input[name] as object).length === 0) delete input[name]
  return validateConfig(input)
}

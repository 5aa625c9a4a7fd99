/**
 * Configuration: one DEFAULTS object (pino's defaultOptions), a validator
 * that collects every problem and throws once (fastify's
 * initial-config-validation), and a frozen result. Unknown keys are errors.
 */
import { ConfigInvalid } from './errors.js'
import type { GateThresholds } from './report/report-types.js'
import { resolveThresholds } from './gate/thresholds.js'
import { NOISE_DEFAULTS, noiseOptionProblem } from './noise/noise-options.js'
import { cidrProblem } from './proxy/trusted-proxies.js'
import type { NoiseOptions } from './noise/noise-options.js'

export interface Config {
  primary: string
  candidate: string
  /** Optional second instance of the primary's code, for noise cancellation. */
  secondary: string | null
  host: string
  port: number
  adminHost: string
  adminPort: number
  /** Required when the admin API binds anywhere but loopback. */
  adminToken: string | null
  db: string
  /** A rule file or a folder of them; null for none. */
  rules: string | null
  logLevel: string
  /**
   * `json`: pino's JSON lines on stderr, for machines. `pretty`: one readable
   * line per log record, plus a startup banner, a progress line and a final
   * tally (src/cli/console-reporter.ts). `auto`: pretty when stderr is a
   * terminal, else json.
   */
  logFormat: LogFormat
  mirror: {
    /** Methods that are mirrored; others are served but not mirrored. */
    methods: string[]
    /** Percentage of eligible requests mirrored, 0–100. */
    sample: number
    /**
     * `adaptive`: the in-flight limit follows the candidate's latency between
     * minInFlight and maxInFlight, and load beyond it is shed as a uniform
     * sample (src/mirror/gradient-limit.ts, adaptive-share.ts); `fixed`: the
     * limit is maxInFlight and nothing is shed before the queue.
     */
    concurrency: 'adaptive' | 'fixed'
    /** Candidate requests in flight at most (the adaptive limit's ceiling). */
    maxInFlight: number
    /** The adaptive limit's floor (at most maxInFlight), and the concurrency of its latency probes. */
    minInFlight: number
    /** Bytes that queued and in-flight mirrors may hold (request copy, captured bodies), in MiB. */
    memoryMb: number
    /** Mirrors waiting for a free slot at most; beyond, dropped and counted. */
    maxQueue: number
    /** Candidate timeout, whole exchange, in milliseconds. */
    timeoutMs: number
    /** Request bodies above this are served but not mirrored. */
    maxBodyBytes: number
    /**
     * Response bytes a mirrored side may send at most; beyond, the call is
     * cut and recorded as `error` `BODY_TOO_LARGE` (src/mirror/capture-handler.ts).
     */
    maxResponseBytes: number
  }
  proxy: {
    /** Primary timeout (headers and between body chunks), in milliseconds. */
    timeoutMs: number
    /** Request bodies above this are refused with 413. */
    maxRequestBytes: number
    /** Connections per upstream at most. */
    connections: number
    /** Header-read timeout for clients (slowloris), in milliseconds. */
    headersTimeoutMs: number
    /** Request header fields at most (name/value pairs); beyond, 431 and nothing forwarded. */
    maxHeaderCount: number
    /** Upstream requests in flight per client connection at most; further pipelined requests wait on their connection. */
    maxInFlightPerClient: number
    /** A client that accepts no response bytes for this long (backpressure) is cut and its upstream requests aborted, in milliseconds. */
    writeTimeoutMs: number
    /** Peers (addresses or CIDR ranges) whose X-Forwarded-*, Forwarded and X-Real-IP are kept; from others they are replaced. */
    trustedProxies: string[]
  }
  diff: {
    /** Response bytes kept for comparison; larger bodies are compared by SHA-256. */
    captureBytes: number
    /** Settled exchanges waiting for comparison at most; beyond, dropped and counted. */
    maxQueue: number
  }
  store: {
    flushIntervalMs: number
    maxPending: number
    /** Stored body bytes per side of a divergent exchange. */
    bodyCapBytes: number
    redactHeaders: string[]
    redactBody: string[]
    redactQuery: string[]
    /** Path templates whose `:name` segments are hidden (src/store/redact-path.ts). */
    redactPath: string[]
    retainDays: number
    maxDbMb: number
    /** Hours of per-second aggregates kept, so windows are exact to the second (0 = as long as the minutes). */
    exactWindowHours: number
  }
  /**
   * A bounded, redacted sample of the requests seen, one HAR 1.2 request
   * per NDJSON line (src/capture), for `shadowdiff replay` in CI.
   */
  capture: {
    /** The capture file; null captures nothing. */
    file: string | null
    /** Percentage of eligible requests written, 0–100 (deterministic, like mirror.sample). */
    sample: number
    /** The file's size cap in bytes; 0 for none. At the cap the capture stops, or rotates with `rotate`. */
    maxBytes: number
    /** At maxBytes, move the file to FILE.1 (replacing an older one) and start anew, instead of stopping. */
    rotate: boolean
    /** Methods captured; others are counted and left out. */
    methods: string[]
  }
  /** Gate thresholds as given; unset ones take DEFAULT_THRESHOLDS (src/gate/thresholds.ts). */
  gate: Partial<GateThresholds>
  /**
   * Noise cancellation (src/noise/noise-options.ts): the canceller's options,
   * and the per-field decision's confidence and minSamples used by every
   * report and gate this process computes (admin API, promotion steps).
   */
  noise: NoiseOptions
  split: {
    stickyHeader: string | null
    stickyCookie: string | null
    routeOverrideHeader: string | null
    servedByHeader: string
    reverseShadow: boolean
    rollbackWindowMs: number
    rollbackMaxFailureRate: number
    rollbackMinRequests: number
  }
}

export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const
export type LogFormat = (typeof LOG_FORMATS)[number]

export type ConfigInput = { [K in keyof Config]?: Config[K] extends object ? Partial<Config[K]> | Config[K] : Config[K] }

export const DEFAULTS: Omit<Config, 'primary' | 'candidate'> = {
  secondary: null,
  host: '127.0.0.1',
  port: 8080,
  adminHost: '127.0.0.1',
  adminPort: 8081,
  adminToken: null,
  db: './shadowdiff.db',
  rules: null,
  logLevel: 'info',
  logFormat: 'auto',
  mirror: {
    methods: ['GET', 'HEAD', 'OPTIONS'],
    sample: 100,
    concurrency: 'adaptive',
    maxInFlight: 1024,
    minInFlight: 4,
    // With the rest of the process (~130–180 MB at full load, bench/RESULTS.md), under 256 MB RSS.
    memoryMb: 64,
    maxQueue: 512,
    timeoutMs: 5_000,
    maxBodyBytes: 1024 * 1024,
    maxResponseBytes: 16 * 1024 * 1024,
  },
  proxy: {
    timeoutMs: 30_000,
    maxRequestBytes: 10 * 1024 * 1024,
    connections: 128,
    headersTimeoutMs: 10_000,
    maxHeaderCount: 200,
    maxInFlightPerClient: 4,
    writeTimeoutMs: 30_000,
    trustedProxies: [],
  },
  diff: {
    captureBytes: 256 * 1024,
    maxQueue: 4096,
  },
  store: {
    flushIntervalMs: 1_000,
    maxPending: 10_000,
    bodyCapBytes: 64 * 1024,
    redactHeaders: [],
    redactBody: [],
    redactQuery: [],
    redactPath: [],
    retainDays: 0,
    maxDbMb: 0,
    exactWindowHours: 2,
  },
  capture: {
    file: null,
    sample: 100,
    maxBytes: 0,
    rotate: false,
    methods: ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'],
  },
  gate: {},
  noise: { ...NOISE_DEFAULTS },
  split: {
    stickyHeader: null,
    stickyCookie: null,
    routeOverrideHeader: null,
    servedByHeader: 'x-shadowdiff-served-by',
    reverseShadow: true,
    rollbackWindowMs: 30_000,
    rollbackMaxFailureRate: 0.05,
    rollbackMinRequests: 20,
  },
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']
const HTTP_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

type Check = (value: unknown) => string | null

const isInt = (min: number, max = Number.MAX_SAFE_INTEGER): Check => (v) =>
  Number.isInteger(v) && (v as number) >= min && (v as number) <= max ? null : `must be an integer from ${min} to ${max}`
const isNum = (min: number, max: number): Check => (v) =>
  typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? null : `must be a number from ${min} to ${max}`
const isBool: Check = (v) => (typeof v === 'boolean' ? null : 'must be true or false')
const isStr: Check = (v) => (typeof v === 'string' && v.length > 0 ? null : 'must be a non-empty string')
const isStrOrNull: Check = (v) => (v === null ? null : isStr(v))
const isHeaderName: Check = (v) => (typeof v === 'string' && HTTP_TOKEN.test(v) ? null : 'must be an HTTP header name')
const isHeaderOrNull: Check = (v) => (v === null ? null : isHeaderName(v))
const isStrList: Check = (v) => (Array.isArray(v) && v.every((s) => typeof s === 'string' && s.length > 0) ? null : 'must be a list of non-empty strings')
const isHttpUrl: Check = (v) => {
  if (typeof v !== 'string') return 'must be an http:// or https:// URL'
  try {
    const u = new URL(v)
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'must be an http:// or https:// URL'
    if (u.pathname !== '/' || u.search) return 'must be an origin (scheme://host:port) without a path or query'
    return null
  } catch {
    return 'must be an http:// or https:// URL'
  }
}
const isUrlOrNull: Check = (v) => (v === null ? null : isHttpUrl(v))
const isMethods: Check = (v) =>
  Array.isArray(v) && v.length > 0 && v.every((m) => typeof m === 'string' && HTTP_TOKEN.test(m))
    ? null
    : 'must be a list of HTTP methods such as GET,HEAD,OPTIONS'
const isCidrList: Check = (v) => {
  if (!Array.isArray(v)) return 'must be a list of addresses or CIDR ranges (10.0.0.0/8, fd00::/8)'
  for (let i = 0; i < v.length; i++) {
    const problem = typeof v[i] === 'string' ? cidrProblem(v[i] as string) : `expected a string, got ${JSON.stringify(v[i])}`
    if (problem) return `must be a list of addresses or CIDR ranges ([${i}]: ${problem})`
  }
  return null
}
const isLogFormat: Check = (v) => (typeof v === 'string' && (LOG_FORMATS as readonly string[]).includes(v) ? null : `must be one of ${LOG_FORMATS.join(', ')}`)
const isLogLevel: Check = (v) => (typeof v === 'string' && LOG_LEVELS.includes(v) ? null : `must be one of ${LOG_LEVELS.join(', ')}`)
const isGate: Check = (v) => {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'must be a mapping of thresholds'
  try {
    resolveThresholds(v as Partial<GateThresholds>)
    return null
  } catch (err) {
    return `is invalid (${(err as Error).message.replace(/^Invalid config: /, '')})`
  }
}

const SCHEMA: Record<string, Check | Record<string, Check>> = {
  primary: isHttpUrl,
  candidate: isHttpUrl,
  secondary: isUrlOrNull,
  host: isStr,
  port: isInt(0, 65535),
  adminHost: isStr,
  adminPort: isInt(0, 65535),
  adminToken: isStrOrNull,
  db: isStr,
  rules: isStrOrNull,
  logLevel: isLogLevel,
  logFormat: isLogFormat,
  mirror: {
    methods: isMethods,
    sample: isNum(0, 100),
    concurrency: (v) => (v === 'adaptive' || v === 'fixed' ? null : "must be 'adaptive' or 'fixed'"),
    maxInFlight: isInt(1, 65_536),
    minInFlight: isInt(1, 65_536),
    memoryMb: isNum(1, 1_048_576),
    maxQueue: isInt(0),
    timeoutMs: isInt(1),
    maxBodyBytes: isInt(0),
    maxResponseBytes: isInt(0),
  },
  proxy: {
    timeoutMs: isInt(1),
    maxRequestBytes: isInt(0),
    connections: isInt(1),
    headersTimeoutMs: isInt(1),
    maxHeaderCount: isInt(1, 10_000),
    maxInFlightPerClient: isInt(1, 1024),
    writeTimeoutMs: isInt(1),
    trustedProxies: isCidrList,
  },
  diff: { captureBytes: isInt(0), maxQueue: isInt(1) },
  store: {
    flushIntervalMs: isInt(10),
    maxPending: isInt(1),
    bodyCapBytes: isInt(0),
    redactHeaders: isStrList,
    redactBody: isStrList,
    redactQuery: isStrList,
    redactPath: isStrList,
    retainDays: isNum(0, 36500),
    maxDbMb: isNum(0, 1e9),
    exactWindowHours: isNum(0, 87600),
  },
  capture: { file: isStrOrNull, sample: isNum(0, 100), maxBytes: isInt(0), rotate: isBool, methods: isMethods },
  gate: isGate,
  // One check per option, from the noise stage's own validator, so the two never disagree.
  noise: Object.fromEntries(Object.keys(NOISE_DEFAULTS).map((key): [string, Check] => [key, (v) => noiseOptionProblem(key, v)])),
  split: {
    stickyHeader: isHeaderOrNull,
    stickyCookie: isStrOrNull,
    routeOverrideHeader: isHeaderOrNull,
    servedByHeader: isHeaderName,
    reverseShadow: isBool,
    rollbackWindowMs: isInt(100),
    rollbackMaxFailureRate: isNum(0, 1),
    rollbackMinRequests: isInt(1),
  },
}

/**
 * Merges `input` over DEFAULTS, checks every key, and returns a frozen Config.
 * Collects every problem before throwing one ConfigInvalid.
 *
 * @example
 *   validateConfig({ primary: 'http://127.0.0.1:3000', candidate: 'http://127.0.0.1:3001' })
 */
export function validateConfig(input: Record<string, unknown>): Config {
  const problems: string[] = []
  const merged: Record<string, unknown> = {}
  for (const key of Object.keys(input)) {
    if (!(key in SCHEMA)) problems.push(`${key}: unknown key (expected one of ${Object.keys(SCHEMA).join(', ')})`)
  }
  for (const [key, check] of Object.entries(SCHEMA)) {
    const given = input[key]
    const fallback = (DEFAULTS as Record<string, unknown>)[key]
    if (typeof check === 'function') {
      const value = given === undefined ? fallback : given
      if (value === undefined) {
        problems.push(`${key}: is required`)
        continue
      }
      const problem = check(value)
      if (problem) problems.push(`${key} ${problem}, got ${show(value)}`)
      merged[key] = value
      continue
    }
    const section: Record<string, unknown> = { ...(fallback as Record<string, unknown>) }
    if (given !== undefined) {
      if (!given || typeof given !== 'object' || Array.isArray(given)) {
        problems.push(`${key} must be a mapping, got ${show(given)}`)
      } else {
        for (const [sub, value] of Object.entries(given)) {
          if (!(sub in check)) {
            problems.push(`${key}.${sub}: unknown key (expected one of ${Object.keys(check).join(', ')})`)
            continue
          }
          if (value !== undefined) section[sub] = value
        }
      }
    }
    for (const [sub, subCheck] of Object.entries(check)) {
      const problem = subCheck(section[sub])
      if (problem) problems.push(`${key}.${sub} ${problem}, got ${show(section[sub])}`)
    }
    merged[key] = section
  }
  if (problems.length > 0) throw new ConfigInvalid(problems.join('; '))
  const config = merged as unknown as Config
  config.mirror.methods = config.mirror.methods.map((m) => m.toUpperCase())
  config.capture.methods = config.capture.methods.map((m) => m.toUpperCase())
  const split = config.split
  if (split.stickyHeader && split.stickyCookie) {
    throw new ConfigInvalid(`split.stickyHeader and split.stickyCookie are mutually exclusive, got both ('${split.stickyHeader}', '${split.stickyCookie}')`)
  }
  if (!isLoopback(config.adminHost) && !config.adminToken) {
    throw new ConfigInvalid(
      `adminHost '${config.adminHost}' is not loopback: set an admin token (--admin-token or SHADOWDIFF_ADMIN_TOKEN) so the admin API is not open to the network`,
    )
  }
  return deepFreeze(config)
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

function show(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  return `'${text}'`
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}

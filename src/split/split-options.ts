/**
 * Defaults and validation of the split-related `serve` and `promote`
 * options. Every error names the flag, the value received and what was
 * expected; `validateSplitOptions` collects all problems and throws once.
 */
import { ConfigInvalid } from '../errors.js'
import { ROLLBACK_DEFAULTS } from './rollback-monitor.js'
import { DEFAULT_ROUTE_OVERRIDE_HEADER } from './sticky-router.js'
import type { KeySource } from './sticky-router.js'

export interface SplitOptions {
  /** Where the sticky key comes from; undefined = every request is split on its own. */
  stickyKey: KeySource | undefined
  /** Tester override header (lower-case); undefined = off. */
  routeOverrideHeader: string | undefined
  /** Response header naming the side that served (lower-case); undefined = not sent. */
  servedByHeader: string | undefined
  rollback: { windowMs: number; maxFailurePercent: number; minRequests: number }
}

/** Raw input: flag values as the CLI or a config file gives them. */
export interface SplitOptionsInput {
  /** `--sticky-header NAME` */
  stickyHeader?: string
  /** `--sticky-cookie NAME` */
  stickyCookie?: string
  /** `--route-override-header [NAME]`: `true` (bare flag) means the default name. */
  routeOverrideHeader?: string | boolean
  /** `--served-by-header NAME`; `false` turns it off. */
  servedByHeader?: string | boolean
  /** `--rollback-window 30s` (or milliseconds as a number) */
  rollbackWindow?: string | number
  /** `--rollback-max-failure-rate 5%` (a percentage, `%` optional) */
  rollbackMaxFailureRate?: string | number
  /** `--rollback-min-requests 20` */
  rollbackMinRequests?: string | number
}

export const DEFAULT_SERVED_BY_HEADER = 'x-shadowdiff-served-by'

export const SPLIT_DEFAULTS: Readonly<SplitOptions> = Object.freeze({
  stickyKey: undefined,
  routeOverrideHeader: undefined,
  servedByHeader: DEFAULT_SERVED_BY_HEADER,
  rollback: Object.freeze({ ...ROLLBACK_DEFAULTS }),
})

const FLAGS: Record<keyof SplitOptionsInput, string> = {
  stickyHeader: '--sticky-header',
  stickyCookie: '--sticky-cookie',
  routeOverrideHeader: '--route-override-header',
  servedByHeader: '--served-by-header',
  rollbackWindow: '--rollback-window',
  rollbackMaxFailureRate: '--rollback-max-failure-rate',
  rollbackMinRequests: '--rollback-min-requests',
}

// RFC 9110 §5.1 field-name = token; RFC 6265 §4.1.1 cookie-name = token too.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/**
 * Validates the split options, applies defaults and returns a frozen result.
 *
 * @example
 *   validateSplitOptions({ stickyCookie: 'session', rollbackWindow: '1m' })
 * @throws ConfigInvalid listing every problem.
 */
export function validateSplitOptions(input: SplitOptionsInput = {}): Readonly<SplitOptions> {
  const problems: string[] = []
  const attempt = <T>(fn: () => T, fallback: T): T => {
    try {
      return fn()
    } catch (err) {
      problems.push(err instanceof ConfigInvalid ? stripPrefix(err.message) : String(err))
      return fallback
    }
  }
  for (const key of Object.keys(input)) {
    if (!(key in FLAGS)) problems.push(`unknown split option '${key}' (expected ${Object.keys(FLAGS).join(', ')})`)
  }

  const header = input.stickyHeader === undefined ? undefined : attempt(() => token(input.stickyHeader, FLAGS.stickyHeader), undefined)
  const cookie = input.stickyCookie === undefined ? undefined : attempt(() => token(input.stickyCookie, FLAGS.stickyCookie, false), undefined)
  if (input.stickyHeader !== undefined && input.stickyCookie !== undefined) {
    problems.push(
      `--sticky-header and --sticky-cookie are mutually exclusive (the key comes from one place), ` +
        `got --sticky-header '${input.stickyHeader}' and --sticky-cookie '${input.stickyCookie}'`,
    )
  }
  const stickyKey: KeySource | undefined = header !== undefined ? { header } : cookie !== undefined ? { cookie } : undefined

  const override = input.routeOverrideHeader
  const routeOverrideHeader =
    override === undefined || override === false
      ? undefined
      : override === true
        ? DEFAULT_ROUTE_OVERRIDE_HEADER
        : attempt(() => token(override, FLAGS.routeOverrideHeader), undefined)

  const servedBy = input.servedByHeader
  const servedByHeader =
    servedBy === false ? undefined : servedBy === undefined || servedBy === true ? DEFAULT_SERVED_BY_HEADER : attempt(() => token(servedBy, FLAGS.servedByHeader), undefined)

  const d = SPLIT_DEFAULTS.rollback
  const windowMs = input.rollbackWindow === undefined ? d.windowMs : attempt(() => parseDuration(input.rollbackWindow!, FLAGS.rollbackWindow), d.windowMs)
  const maxFailurePercent =
    input.rollbackMaxFailureRate === undefined
      ? d.maxFailurePercent
      : attempt(() => parsePercent(input.rollbackMaxFailureRate!, FLAGS.rollbackMaxFailureRate), d.maxFailurePercent)
  if (maxFailurePercent >= 100) problems.push(`--rollback-max-failure-rate must be below 100%, got ${maxFailurePercent}% (it could never trip)`)
  const minRequests =
    input.rollbackMinRequests === undefined ? d.minRequests : attempt(() => parseCount(input.rollbackMinRequests!, FLAGS.rollbackMinRequests), d.minRequests)

  if (problems.length > 0) throw new ConfigInvalid(problems.join('; '))
  return Object.freeze({
    stickyKey: stickyKey && Object.freeze(stickyKey),
    routeOverrideHeader,
    servedByHeader,
    rollback: Object.freeze({ windowMs, maxFailurePercent, minRequests }),
  })
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/**
 * Parses a duration: a number followed by ms, s, m or h (`250ms`, `30s`,
 * `5m`, `1.5h`). A bare number is milliseconds only when given as a number.
 *
 * @throws ConfigInvalid like `--interval: expected a duration like 30s or 5m, got '5x'`
 */
export function parseDuration(text: string | number, flag = '--interval'): number {
  if (typeof text === 'number' && Number.isFinite(text) && text > 0) return text
  const match = typeof text === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/.exec(text) : null
  const ms = match ? Number(match[1]) * UNITS[match[2]] : NaN
  if (!(ms > 0)) throw new ConfigInvalid(`${flag}: expected a duration like 30s or 5m, got ${quote(text)}`)
  return Math.round(ms)
}

/** Parses a percentage from 0 to 100: `5`, `5%`, `0.5%`. */
export function parsePercent(text: string | number, flag: string): number {
  const n = typeof text === 'number' ? text : /^\s*\d+(?:\.\d+)?\s*%?\s*$/.test(text) ? Number.parseFloat(text) : NaN
  if (!(Number.isFinite(n) && n >= 0 && n <= 100)) {
    throw new ConfigInvalid(`${flag}: expected a percentage from 0 to 100 like 5 or 0.5%, got ${quote(text)}`)
  }
  return n
}

/** A promotion plan's weights and the weights to pause after. */
export interface ParsedSteps {
  steps: number[]
  pauseAt: number[]
}

/**
 * Parses promotion steps: comma-separated weights, strictly increasing, each
 * in (0, 100]; the word `pause` after a weight makes the promotion wait at it
 * for an explicit continue (Argo Rollouts' `pause: {}`).
 *
 * @example
 *   parseSteps('1,5,pause,25,50,100') // { steps: [1, 5, 25, 50, 100], pauseAt: [5] }
 * @throws ConfigInvalid naming the offending item.
 */
export function parseSteps(text: string, flag = '--steps'): ParsedSteps {
  const steps: number[] = []
  const pauseAt: number[] = []
  const items = String(text).split(',').map((s) => s.trim())
  for (const [i, item] of items.entries()) {
    const where = `${flag}: item ${i + 1}`
    if (item.toLowerCase() === 'pause') {
      const last = steps[steps.length - 1]
      if (last === undefined) throw new ConfigInvalid(`${where}: 'pause' must follow a weight, got ${quote(text)}`)
      if (pauseAt.includes(last)) throw new ConfigInvalid(`${where}: 'pause' repeated after ${last}`)
      pauseAt.push(last)
      continue
    }
    const w = /^\d+(?:\.\d+)?%?$/.test(item) ? Number.parseFloat(item) : NaN
    if (!(w > 0 && w <= 100)) throw new ConfigInvalid(`${where}: expected a weight in (0, 100] or 'pause', got ${quote(item)}`)
    const last = steps[steps.length - 1]
    if (last !== undefined && w <= last) throw new ConfigInvalid(`${where}: weights must increase, got ${w} after ${last}`)
    steps.push(w)
  }
  if (steps.length === 0) throw new ConfigInvalid(`${flag}: expected weights like 1,5,25,50,100, got ${quote(text)}`)
  const lastStep = steps[steps.length - 1]
  if (pauseAt.includes(lastStep)) throw new ConfigInvalid(`${flag}: 'pause' after the last step (${lastStep}) has nothing to continue to`)
  return { steps, pauseAt }
}

function parseCount(text: string | number, flag: string): number {
  const n = typeof text === 'number' ? text : /^\s*\d+\s*$/.test(text) ? Number(text) : NaN
  if (!(Number.isInteger(n) && n >= 1)) throw new ConfigInvalid(`${flag}: expected a whole number ≥ 1, got ${quote(text)}`)
  return n
}

function token(value: unknown, flag: string, lowerCase = true): string {
  if (typeof value !== 'string' || !TOKEN.test(value)) {
    throw new ConfigInvalid(`${flag}: expected a ${flag.includes('cookie') ? 'cookie' : 'header'} name (letters, digits, -_.!#$%&'*+^\`|~), got ${quote(value)}`)
  }
  // Header names are case-insensitive (node:http lower-cases them); cookie names are not.
  return lowerCase ? value.toLowerCase() : value
}

function quote(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value)
}

function stripPrefix(message: string): string {
  return message.replace(/^Invalid config: /, '')
}

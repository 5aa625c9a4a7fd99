/**
 * Every error code shadowdiff raises, in one place (fastify lib/errors.js,
 * undici lib/core/errors.js). Codes are never reused; test/errors.test.ts
 * checks each one is documented in README.md.
 */
import { format } from 'node:util'

export interface ShadowdiffErrorClass {
  new (...args: unknown[]): ShadowdiffError
  readonly code: string
}

export class ShadowdiffError extends Error {
  code: string
  statusCode: number
  constructor(code: string, message: string, statusCode: number, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ShadowdiffError'
    this.code = code
    this.statusCode = statusCode
  }
}

/**
 * Defines an error type with a printf-style message template. Pass a trailing
 * `{ cause }` object to wrap a library error.
 *
 * @example
 *   throw new ConfigInvalid("mirror.sample must be 0–100, got '150'")
 */
export function defineError(code: string, template: string, statusCode = 500) {
  const Err = class extends ShadowdiffError {
    static readonly code = code
    constructor(...args: unknown[]) {
      let options: ErrorOptions | undefined
      const last = args[args.length - 1]
      if (last && typeof last === 'object' && 'cause' in last && !(last instanceof Error)) {
        options = args.pop() as ErrorOptions
      }
      super(code, format(template, ...args), statusCode, options)
    }
  }
  Object.defineProperty(Err, 'name', { value: code })
  registry.set(code, Err)
  return Err
}

export const registry = new Map<string, ShadowdiffErrorClass>()

export const ConfigInvalid = defineError('SHD_CONFIG_INVALID', 'Invalid config: %s')
export const UsageError = defineError('SHD_USAGE', '%s')
export const AdminUnreachable = defineError('SHD_ADMIN_UNREACHABLE', "cannot reach the admin API at %s (%s); is 'shadowdiff serve' running there? (--admin URL)")
export const RulesInvalid = defineError('SHD_RULES_INVALID', 'Invalid rules:\n%s')
export const DatabaseUnavailable = defineError('SHD_DB_UNAVAILABLE', 'Cannot open database %s: %s')
// Capture files read by `replay` and `capture export`.
export const InputUnreadable = defineError('SHD_INPUT_UNREADABLE', 'Cannot read %s: %s')
export const PrimaryUnreachable = defineError('SHD_PRIMARY_UNREACHABLE', 'Bad Gateway: primary unreachable (%s)', 502)
export const PrimaryTimeout = defineError('SHD_PRIMARY_TIMEOUT', 'Gateway Timeout: primary did not answer in time', 504)
export const PrimaryBadResponse = defineError('SHD_PRIMARY_BAD_RESPONSE', 'Bad Gateway: primary sent an invalid response (%s)', 502)
export const RequestTooLarge = defineError('SHD_REQUEST_TOO_LARGE', 'Payload Too Large: request body exceeds %d bytes', 413)
export const BadRequest = defineError('SHD_BAD_REQUEST', 'Bad Request: %s', 400)
export const RequestTimeout = defineError('SHD_REQUEST_TIMEOUT', 'Request Timeout: %s', 408)
export const HeadersTooLarge = defineError('SHD_HEADERS_TOO_LARGE', 'Request Header Fields Too Large: %s', 431)
export const Unauthorized = defineError('SHD_UNAUTHORIZED', 'Unauthorized: a valid bearer token is required', 401)
export const NotFound = defineError('SHD_NOT_FOUND', 'Not Found: %s', 404)
// While the candidate serves clients (split and candidate modes).
export const CandidateUnreachable = defineError('SHD_CANDIDATE_UNREACHABLE', 'Bad Gateway: candidate unreachable (%s)', 502)
export const CandidateTimeout = defineError('SHD_CANDIDATE_TIMEOUT', 'Gateway Timeout: candidate did not answer in time', 504)
export const CandidateBadResponse = defineError('SHD_CANDIDATE_BAD_RESPONSE', 'Bad Gateway: candidate sent an invalid response (%s)', 502)

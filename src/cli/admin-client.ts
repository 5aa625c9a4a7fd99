/**
 * The CLI's way to a running proxy: JSON over its admin API, with the
 * bearer token when one is set. Errors say which URL failed and why.
 */
import { STATUS_CODES } from 'node:http'
import { request } from 'undici'
import { AdminUnreachable, UsageError } from '../errors.js'
import { str, type FlagSpec, type ParsedFlags } from './parse-flags.js'

/** Where the CLI finds a running proxy when `--admin` is not given. */
export const DEFAULT_ADMIN = 'http://127.0.0.1:8081'

export const ADMIN_FLAGS = {
  admin: { type: 'string', arg: 'URL', help: "the proxy's admin API", default: DEFAULT_ADMIN },
  'admin-token': { type: 'string', arg: 'TOKEN', help: 'bearer token (or SHADOWDIFF_ADMIN_TOKEN)' },
} satisfies FlagSpec

/**
 * An error answer from the admin API, in its own words: `code` and `message`
 * come from its `{ "error": { "code", "message" } }` body, so the CLI can
 * print `SHD_BAD_REQUEST: split.mode must be one of …` without the HTTP
 * request line and status around it.
 */
export class AdminApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: unknown,
    readonly code: string,
  ) {
    super(message)
  }
}

export interface AdminClient {
  call<T>(method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown): Promise<T>
}

export function adminClient(values: ParsedFlags['values'], env: NodeJS.ProcessEnv = process.env): AdminClient {
  const base = (str(values, 'admin') ?? DEFAULT_ADMIN).replace(/\/+$/, '')
  try {
    new URL(base)
  } catch {
    throw new UsageError(`--admin: expected a URL like http://127.0.0.1:8081, got '${base}'`)
  }
  const token = str(values, 'admin-token') ?? env.SHADOWDIFF_ADMIN_TOKEN
  return {
    async call<T>(method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown): Promise<T> {
      const headers: Record<string, string> = { 'x-shadowdiff-actor': 'cli' }
      if (token) headers.authorization = `Bearer ${token}`
      if (body !== undefined) headers['content-type'] = 'application/json'
      let res
      try {
        res = await request(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
      } catch (err) {
        throw new AdminUnreachable(base, (err as NodeJS.ErrnoException).code ?? (err as Error).message, { cause: err })
      }
      const text = await res.body.text()
      let parsed: unknown = text
      try {
        parsed = JSON.parse(text)
      } catch {
        // not JSON: keep the text
      }
      if (res.statusCode >= 400) {
        const error = (parsed as { error?: { code?: unknown; message?: unknown } } | null)?.error
        if (typeof error?.message === 'string') {
          // The code says what kind of error it is; the HTTP reason phrase before the message ("Bad Request: ") is plumbing.
          const message = error.message.startsWith(`${STATUS_CODES[res.statusCode]}: `) ? error.message.slice(`${STATUS_CODES[res.statusCode]}: `.length) : error.message
          throw new AdminApiError(message, res.statusCode, parsed, typeof error.code === 'string' ? error.code : `HTTP_${res.statusCode}`)
        }
        // Not shadowdiff's answer (a load balancer's error page, a wrong --admin URL): say so, briefly.
        const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, 200)
        throw new AdminApiError(`${base}${path} answered ${res.statusCode}${excerpt ? `: ${excerpt}` : ''} (is --admin the shadowdiff admin API?)`, res.statusCode, parsed, `HTTP_${res.statusCode}`)
      }
      return parsed as T
    },
  }
}

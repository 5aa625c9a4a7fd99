/**
 * The CLI's way to a running proxy: JSON over its admin API, with the
 * bearer token when one is set. Errors say which URL failed and why.
 */
import { request } from 'undici'
import { UsageError } from '../errors.js'
import { str, type FlagSpec, type ParsedFlags } from './parse-flags.js'

export const ADMIN_FLAGS: FlagSpec = {
  admin: { type: 'string' },
  'admin-token': { type: 'string' },
}

export const ADMIN_USAGE = `  --admin URL              the proxy's admin API (default http://127.0.0.1:8081)
  --admin-token TOKEN      bearer token (or SHADOWDIFF_ADMIN_TOKEN)`

export class AdminApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(message)
  }
}

export interface AdminClient {
  call<T>(method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown): Promise<T>
}

export function adminClient(values: ParsedFlags['values'], env: NodeJS.ProcessEnv = process.env): AdminClient {
  const base = (str(values, 'admin') ?? 'http://127.0.0.1:8081').replace(/\/+$/, '')
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
        throw new UsageError(`cannot reach the admin API at ${base} (${(err as Error).message}); is 'shadowdiff serve' running? (--admin URL)`)
      }
      const text = await res.body.text()
      let parsed: unknown = text
      try {
        parsed = JSON.parse(text)
      } catch {
        // not JSON: keep the text
      }
      if (res.statusCode >= 400) {
        const message = (parsed as { error?: { message?: string } })?.error?.message ?? text
        throw new AdminApiError(`${method} ${path} → ${res.statusCode}: ${message}`, res.statusCode, parsed)
      }
      return parsed as T
    },
  }
}

/**
 * Hop-by-hop headers are meant for one connection only and must not be
 * forwarded by a proxy (RFC 9110 §7.6.1): the fixed list below plus every
 * header named in the Connection header.
 */
import type { HeaderMap } from '../types.js'

export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
])

/**
 * Copies `headers` without hop-by-hop headers. Returns a new object; the
 * input is not modified.
 */
export function withoutHopByHop(headers: HeaderMap): Record<string, string | string[]> {
  const connection = headers.connection
  // Fast path: most requests name nothing beyond keep-alive/close in Connection.
  const named = connection ? connectionTokens(connection) : null
  const out: Record<string, string | string[]> = {}
  for (const name in headers) {
    const value = headers[name]
    if (value === undefined || HOP_BY_HOP.has(name)) continue
    if (named !== null && named.has(name)) continue
    out[name] = value
  }
  return out
}

/** The header names listed in a Connection header (besides close and keep-alive), or null when none. */
export function connectionTokens(value: string | string[]): Set<string> | null {
  const text = Array.isArray(value) ? value.join(',') : value
  let set: Set<string> | null = null
  for (const raw of text.split(',')) {
    const token = raw.trim().toLowerCase()
    if (token === '' || token === 'close' || token === 'keep-alive') continue
    ;(set ??= new Set()).add(token)
  }
  return set
}

/**
 * Content-Type helpers (RFC 9110 §8.3.1: type, subtype and parameter names
 * are case-insensitive; the charset value is too).
 */
import type { HeaderMap } from '../types.js'

/** One header value as a string: repeated headers joined with ', ' (RFC 9110 §5.3). */
export function headerValue(headers: HeaderMap, name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v.join(', ') : v
}

/** The media type alone, lower-cased: `Application/JSON; charset=utf-8` → `application/json`. */
export function mediaType(contentType: string | undefined): string {
  if (contentType === undefined) return ''
  const semi = contentType.indexOf(';')
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase()
}

/**
 * The whole content-type in a canonical form: media type and parameter names
 * lower-cased, `charset` value lower-cased, quotes around values removed,
 * parameters sorted.
 */
export function normalizeContentType(contentType: string | undefined): string {
  if (contentType === undefined) return ''
  const [type, ...params] = contentType.split(';')
  const norm = params
    .map((p) => {
      const eq = p.indexOf('=')
      if (eq === -1) return p.trim().toLowerCase()
      const name = p.slice(0, eq).trim().toLowerCase()
      let value = p.slice(eq + 1).trim()
      if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1)
      return name + '=' + (name === 'charset' ? value.toLowerCase() : value)
    })
    .filter((p) => p !== '')
    .sort()
  return [type.trim().toLowerCase(), ...norm].join(';')
}

/** True for JSON media types: application/json and any `+json` suffix (RFC 6839). */
export function isJsonType(type: string): boolean {
  return type === 'application/json' || type.endsWith('+json') || type === 'text/json'
}

/** True for media types whose body is text, whatever bytes it holds. */
export function isTextType(type: string): boolean {
  return (
    type.startsWith('text/') ||
    isJsonType(type) ||
    type.endsWith('+xml') ||
    type === 'application/xml' ||
    type === 'application/javascript' ||
    type === 'application/x-www-form-urlencoded' ||
    type === 'application/graphql' ||
    type === 'image/svg+xml'
  )
}

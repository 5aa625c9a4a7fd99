/**
 * The FORMAT of a value: what stays the same when a correct service returns
 * a fresh request id, timestamp or token. Format-preserving noise (a UUID
 * for a UUID, an ISO time for an ISO time) is cancelled; a change of format
 * (ISO time → epoch number, strong ETag → weak, a header that disappears)
 * is reported.
 *
 * A format is a short string, compared for equality. It names a family
 * (`uuid`, `iso-datetime`, `http-date`, `token:22` …) and only the details
 * a random value of that family never changes: a UUID's case, an ISO
 * time's separator, seconds, fraction and zone style, the length of a hex
 * string or token.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
// ISO 8601 / RFC 3339 date-time: separator, optional seconds and fraction, zone.
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}([T ])\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}(:?\d{2})?)?$/
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/
// RFC 9110 §5.6.7 IMF-fixdate, the only HTTP-date a sender may generate.
const HTTP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/
const DIGITS = /^-?\d+$/
const DECIMAL = /^-?\d+\.\d+$/
const HEX_LOWER = /^[0-9a-f]+$/
const HEX_UPPER = /^[0-9A-F]+$/
// RFC 9110 §8.8.3 entity-tag: optional weakness indicator, then a quoted string.
const ETAG = /^(W\/)?"([^"]*)"$/
// Random ids and tokens: hex, base64, base64url, JWT-like dotted tokens.
const TOKEN = /^[A-Za-z0-9_\-+/=.]{8,}$/

/**
 * The format of a JSON value or header value; `absent` for undefined.
 *
 * @example
 *   formatOf('2025-01-02T03:04:05.678Z') // 'iso-datetime:T:s:f:Z'
 *   formatOf('Thu, 02 Jan 2025 03:04:05 GMT') // 'http-date'
 *   formatOf('"5d41402abc4b2a76b9719d911017c592"') // 'etag(hex:32)'
 *   formatOf(0.51) // 'number'
 */
export function formatOf(value: unknown): string {
  if (value === undefined) return 'absent'
  if (value === null) return 'null'
  switch (typeof value) {
    case 'string':
      return stringFormat(value)
    case 'number':
      return 'number'
    case 'boolean':
      return 'boolean'
    case 'object':
      return Array.isArray(value) ? 'array' : 'object'
    default:
      return typeof value
  }
}

function stringFormat(s: string): string {
  if (s.length === 0) return 'empty'
  if (s.length === 36 && UUID.test(s)) return s === s.toUpperCase() && /[A-F]/.test(s) ? 'uuid:upper' : 'uuid'
  const iso = ISO_DATETIME.exec(s)
  if (iso) return `iso-datetime:${iso[1]}:${iso[2] ? 's' : ''}:${iso[3] ? 'f' : ''}:${zoneStyle(iso[4])}`
  if (ISO_DATE.test(s)) return 'iso-date'
  if (HTTP_DATE.test(s)) return 'http-date'
  // Random hex of 8+ characters is sometimes all digits (16 characters:
  // 1 in 2,000): one format for both, by length.
  if (s.length >= 8 && HEX_LOWER.test(s)) return `hex:${s.length}`
  if (s.length >= 8 && HEX_UPPER.test(s)) return `HEX:${s.length}`
  if (DIGITS.test(s)) return 'digits'
  if (DECIMAL.test(s)) return 'decimal'
  const etag = ETAG.exec(s)
  if (etag) return `${etag[1] ? 'weak-etag' : 'etag'}(${stringFormat(etag[2])})`
  if (TOKEN.test(s)) return `token:${s.length}`
  return 'text'
}

function zoneStyle(zone: string | undefined): string {
  if (zone === undefined) return 'local'
  if (zone === 'Z') return 'Z'
  return zone.length === 3 ? '+hh' : zone.includes(':') ? '+hh:mm' : '+hhmm'
}

const RANDOM_FORMAT = /^(uuid|iso-datetime|iso-date|http-date|hex:|HEX:|token:|etag\(|weak-etag\()/

/**
 * True for the formats random or time-dependent values have (UUID, ISO or
 * HTTP time, hex, token, ETag): a fresh value of the same format is
 * plausibly noise. Text, numbers and booleans are not: a name that changes
 * is a change.
 *
 * @example
 *   isRandomFormat(formatOf(crypto.randomUUID())) // true
 *   isRandomFormat(formatOf('Alice')) // false
 */
export function isRandomFormat(format: string): boolean {
  return RANDOM_FORMAT.test(format)
}

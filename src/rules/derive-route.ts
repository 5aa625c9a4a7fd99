/**
 * The route of a request that no rule names: its path with id-like segments
 * folded to `:id`, so `/users/42` and `/users/43` land in one report group.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const HEX = /^[0-9a-f]{16,}$/i
const TOKEN = /^[A-Za-z0-9_-]{16,}$/

/**
 * Folds id-like segments: numbers, UUIDs, hex of 16+ characters (Mongo
 * ObjectIds, hashes) and random-looking tokens of 16+ characters (ULIDs,
 * nanoids, base64url) that switch between letters and digits at least three
 * times, which words like `getUserPreferencesV2` do not.
 *
 * @example
 *   deriveRoute('/api/users/42/orders/3f2b9c1e-8a4d-4b6e-9f00-1a2b3c4d5e6f') // '/api/users/:id/orders/:id'
 */
export function deriveRoute(path: string): string {
  const segments = path.split('/')
  let changed = false
  for (let i = 0; i < segments.length; i++) {
    if (isIdLike(segments[i])) {
      segments[i] = ':id'
      changed = true
    }
  }
  return changed ? segments.join('/') : path
}

function isIdLike(s: string): boolean {
  if (s.length === 0) return false
  const c = s.charCodeAt(0)
  if (c >= 0x30 && c <= 0x39 && isDigits(s)) return true
  if (s.length < 16) return false
  if (s.length === 36 && UUID.test(s)) return true
  if (HEX.test(s)) return true
  return TOKEN.test(s) && letterDigitSwitches(s) >= 3
}

function isDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x30 || c > 0x39) return false
  }
  return true
}

function letterDigitSwitches(s: string): number {
  let switches = 0
  let prevDigit: boolean | undefined
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    const digit = c >= 0x30 && c <= 0x39
    if (!digit && !/[A-Za-z]/.test(s[i])) continue
    if (prevDigit !== undefined && digit !== prevDigit) switches++
    prevDigit = digit
  }
  return switches
}

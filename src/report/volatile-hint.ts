/**
 * The newcomer's first report is often all noise: request ids, timestamps
 * and tokens that differ on every call because no rule ignores them yet.
 * When the most frequent differing fields all look like that and no rule
 * matched the exchanges, the report (and serve's progress line) say so and
 * point at `shadowdiff rules suggest`, which proposes the rules with their
 * evidence.
 *
 * The judgement is by field name only (the report keeps names, not values):
 * a lone `/id` is an entity id, the same on both sides when the candidate is
 * right, so it does not count; `/requestId`, `/traceId`, `/createdAt`,
 * `/expires`, `header:etag` do.
 */
import { VOLATILE_HEADERS } from '../diff/header-lists.js'

/** How many of the dominant fields are judged at most. */
export const HINT_FIELDS = 3

/** Last words of a name that mark a fresh value per response. */
const VOLATILE_WORDS = new Set([
  ...['uuid', 'guid', 'nonce', 'token', 'csrf', 'xsrf', 'etag', 'signature', 'salt'],
  ...['timestamp', 'datetime', 'time', 'date', 'ts', 'now', 'expires', 'expiry', 'created', 'updated', 'modified', 'generated', 'served', 'fetched'],
  ...['elapsed', 'duration', 'latency', 'took', 'uptime'],
])
/** `…Id` is volatile after these words (`requestId`); a bare `id` is an entity's. */
const ID_OWNERS = new Set(['request', 'trace', 'span', 'correlation', 'session', 'transaction', 'idempotency', 'event', 'message', 'nonce', 'run'])
const UNITS = new Set(['ms', 'us', 'ns', 's', 'sec', 'seconds', 'millis'])

/** `servedAt` → ['served', 'at'], `x-request-id` → ['x', 'request', 'id']. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[-_ .]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase())
}

function volatileName(name: string): boolean {
  const w = words(name)
  const unit = w.length > 1 && UNITS.has(w.at(-1)!)
  const [last, before] = unit ? [w.at(-2)!, w.at(-3)] : [w.at(-1), w.at(-2)]
  if (last === undefined) return false
  if (VOLATILE_WORDS.has(last)) return true
  if (last === 'id') return before !== undefined && ID_OWNERS.has(before)
  // createdAt, expiresOn, served_at: a time, when something precedes it.
  return (last === 'at' || last === 'on') && before !== undefined
}

/**
 * Whether a report field (`/items/ * /updatedAt`, `header:x-request-id`)
 * names a value that changes on every response.
 *
 * @example looksVolatile('/meta/requestId') // true
 * @example looksVolatile('/email') // false
 * @example looksVolatile('/candidate') // false
 */
export function looksVolatile(field: string): boolean {
  if (field.startsWith('header:')) {
    const name = field.slice('header:'.length).toLowerCase()
    return VOLATILE_HEADERS.has(name) || volatileName(name)
  }
  if (!field.startsWith('/')) return false
  const last = field.split('/').filter((s) => s !== '' && s !== '*').at(-1)
  return last !== undefined && volatileName(last.replace(/~1/g, '/').replace(/~0/g, '~'))
}

export interface VolatileHint {
  kind: 'volatile-fields'
  /** The most frequent fields, all volatile-looking. */
  fields: string[]
  message: string
}

/**
 * The hint, when the dominant fields (those differing in at least half as
 * many exchanges as the most frequent one, at most `HINT_FIELDS`) all look
 * volatile and no rule matched any divergent exchange; else undefined. A
 * rarer real difference beside them (a missing `/email` in 10% of the
 * exchanges) does not hide the hint: the noise is still what a reader sees
 * first. `db` is what the suggested command reads.
 */
export function volatileHint(fields: readonly { field: string; count: number }[], rulesMatched: boolean, db: string): VolatileHint | undefined {
  if (rulesMatched) return undefined
  const merged = new Map<string, number>()
  for (const f of fields) merged.set(f.field, (merged.get(f.field) ?? 0) + f.count)
  const sorted = [...merged].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
  const most = sorted[0]?.[1] ?? 0
  const top = sorted.filter(([, count]) => count * 2 >= most).slice(0, HINT_FIELDS).map(([field]) => field)
  if (top.length === 0 || !top.every(looksVolatile)) return undefined
  return {
    kind: 'volatile-fields',
    fields: top,
    message:
      `The most frequent differences (${top.join(', ')}) look like ids or timestamps, and no rule matched these exchanges: ` +
      // rules suggest's default --out (DEFAULT_SUGGEST_OUT, src/cli/rules-suggest.ts): outside the watched rules folder, for review first.
      `they are probably noise. 'shadowdiff rules suggest --db ${db}' proposes rules for them, with the evidence, in reports/suggested-rules.yaml: ` +
      `review it, then copy it into your rules folder (e.g. rules/90-suggested.yaml).`,
  }
}

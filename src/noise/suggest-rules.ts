/**
 * Rule suggestions from recorded divergences, for a run WITHOUT a
 * secondary: what changed between primary and candidate in a way that
 * looks like noise, with the evidence. Suggestions are for a person to
 * review (suggest-yaml.ts writes them as a commented rule file); nothing
 * here is ever applied by itself.
 *
 * - `format.body`: a field that differs in ≥ 90 % of the recorded exchanges,
 *   keeps its format in most of them, never repeats a value, and whose
 *   format is one random values have (UUID, ISO or HTTP time, hex, token,
 *   ETag). Compared by format, a fresh value is no difference while a
 *   change of format or a field that disappears still is. Plain text and
 *   numbers are never suggested: a name that changes on every call is a
 *   regression, not noise.
 * - `ignore.body` instead, with a warning, when the format also changed in
 *   some exchanges to a format the primary itself answered with elsewhere
 *   (a field that is sometimes null, say): comparing by format would report
 *   the primary's own variety. A change to a format the primary never used
 *   looks like a regression: `format` is kept, and the warning says it
 *   stays reported.
 * - `unordered` / `keyed`: an array whose elements came in another order in
 *   ≥ 10 % (and at least 2) of the exchanges; `keyed` when its objects have
 *   an id-like field.
 * - `tolerance`: numbers that differ in ≥ 20 % of the exchanges by a median
 *   of at most 1 % of their value; `abs` = 4 × the median difference,
 *   rounded up to one significant digit (robust while fewer than half of
 *   the differences are real changes).
 * - `format.headers`: volatile or random headers (random: differs in ≥ 50 %,
 *   keeps its format, never repeats a value) that kept a random-value
 *   format every time they differed, e.g. an ETag or a request id.
 * - `compare.headers`: headers that are present and not random; by default
 *   only the media type is compared, so a header regression goes unseen.
 *
 * The store keeps divergent exchanges only, and at most so many per minute
 * of each combination of differing fields: the counts are of RECORDED
 * exchanges, where rare combinations weigh more than in the traffic.
 *
 * Every suggestion that would also hide something says so: a format that
 * changed, elements that came or went, differences beyond the tolerance.
 */
import type { HeaderMap } from '../types.js'
import type { ComparePolicy } from '../diff/policy.js'
import { VOLATILE_HEADERS } from '../diff/header-lists.js'
import { addExchange, MAX_CLOCK_SECONDS, show } from './suggest-evidence.js'
import { isRandomFormat } from './value-format.js'
import { fieldLooksDeterministic, headerLooksDeterministic, orderLooksDeterministic } from './suggest-deterministic.js'
import type { ArrayStats, FieldStats, RouteAcc } from './suggest-evidence.js'

/** One recorded exchange, as the store keeps it. */
export interface RecordedExchange {
  method: string
  route: string
  /** Path without the query. */
  path: string
  /** The stored exchange id (examples in the evidence). */
  id?: string
  /** When the request arrived, epoch ms: tells a clock reading (`servedAt`) from a stored time. */
  at?: number
  /** Path and query as stored: what makes two requests the same request (repeats). Default: path. */
  url?: string
  primaryStatus?: number | null
  candidateStatus?: number | null
  requestHeaders?: HeaderMap
  primaryHeaders: HeaderMap | null
  candidateHeaders: HeaderMap | null
  primaryBody: Buffer | null
  candidateBody: Buffer | null
  /** The rules in force: what they already hide is not suggested again. */
  policy?: ComparePolicy
}

export type Suggestion =
  | { kind: 'format'; pointer: string; evidence: string; warning?: string }
  | { kind: 'ignore'; pointer: string; evidence: string; warning?: string }
  | { kind: 'unordered'; pointer: string; evidence: string; warning?: string }
  | { kind: 'keyed'; pointer: string; key: string; evidence: string; warning?: string }
  | { kind: 'tolerance'; pointer: string; abs: number; evidence: string; warning?: string }
  | { kind: 'format-header'; header: string; evidence: string }
  | { kind: 'compare-header'; header: string; evidence: string }

export interface RouteSuggestions {
  method: string
  route: string
  /** A `match.path` pattern for the route, or undefined when none could be derived. */
  path: string | undefined
  /** Recorded exchanges with JSON bodies on both sides. */
  exchanges: number
  suggestions: Suggestion[]
  /** Headers seen but not suggested for comparison, with why. */
  notCompared: string[]
  /** Differences that look deterministic (suggest-deterministic.ts): never ignored or tolerated, listed with their evidence. */
  likelyRegressions: LikelyRegression[]
  /** What the route's suggested rule would turn equal among the recorded exchanges (suggest-impact.ts). */
  impact?: RuleImpact
}

/** A difference `rules suggest` refused to hide. */
export interface LikelyRegression {
  /** `/price`, `/roles`, or `header x-side`. */
  field: string
  /** What it would otherwise have suggested, and what happens to it now. */
  refused: string
  evidence: string
}

/** What a route's suggested rule changes among the recorded divergent exchanges. */
export interface RuleImpact {
  /** Recorded divergent exchanges of the route. */
  recorded: number
  /** Of those, how many the rule (with the rules in use) would compare equal. */
  turnedEqual: number
  /** A few of them: `GET /rates/1 (id 4f2…)`. */
  equalExamples: string[]
  /** A few that stay divergent, with what still differs there. */
  stillDivergent: string[]
}

/** Fewer recorded exchanges than this on a route: no suggestion, too little evidence. */
export const MIN_EXCHANGES = 5

/**
 * Analyses recorded exchanges and returns suggestions per route, routes in
 * name order.
 *
 * @example
 *   const routes = suggestRules(readRecorded(['./shadowdiff.db']))
 *   process.stdout.write(renderSuggestions(routes, { sources: ['./shadowdiff.db'] }))
 */
export function suggestRules(recorded: Iterable<RecordedExchange>): RouteSuggestions[] {
  const routes = new Map<string, RouteAcc>()
  for (const ex of recorded) {
    const key = `${ex.method} ${ex.route}`
    let acc = routes.get(key)
    if (!acc) routes.set(key, (acc = { method: ex.method, route: ex.route, paths: new Set(), exchanges: 0, keys: new Map(), recorded: [], clock: new Map(), fields: new Map(), arrays: new Map(), headers: new Map() }))
    addExchange(acc, ex)
  }
  return [...routes.values()].sort((a, b) => (a.route < b.route ? -1 : a.route > b.route ? 1 : a.method < b.method ? -1 : 1)).map(decide)
}

function decide(acc: RouteAcc): RouteSuggestions {
  const M = acc.exchanges
  const out: RouteSuggestions = { method: acc.method, route: acc.route, path: matchPath(acc), exchanges: M, suggestions: [], notCompared: [], likelyRegressions: [] }
  if (M < MIN_EXCHANGES && acc.headers.size === 0) return out
  if (M >= MIN_EXCHANGES) {
    for (const [pointer, s] of [...acc.arrays].sort(byKey)) suggestArray(out, pointer, s, M)
    for (const [pointer, f] of [...acc.fields].sort(byKey)) suggestField(out, pointer, f, M, acc)
    for (const [pointer, n] of [...acc.clock].sort(byKey)) suggestClock(out, pointer, n, M, acc)
  }
  suggestHeaders(out, acc)
  return out
}

function suggestArray(out: RouteSuggestions, pointer: string, s: ArrayStats, M: number): void {
  if (s.moved < Math.max(2, 0.1 * M)) return
  const evidence = `same elements in another order in ${s.moved} of ${M} recorded exchanges, e.g. ${show(s.moveExample)}`
  const deterministic = orderLooksDeterministic(s)
  if (deterministic !== undefined) {
    out.likelyRegressions.push({ field: pointer, refused: 'not suggested as unordered: the order stays compared', evidence: `${evidence}; ${deterministic}` })
    return
  }
  const warning = s.changed > 0 ? `in ${s.changed} exchanges elements also came or went (${s.changeExample}): those stay reported` : undefined
  if (s.key !== undefined) out.suggestions.push({ kind: 'keyed', pointer, key: s.key, evidence: `objects paired by '${s.key}': ${evidence}`, warning })
  else out.suggestions.push({ kind: 'unordered', pointer, evidence, warning })
}

function suggestField(out: RouteSuggestions, pointer: string, f: FieldStats, M: number, acc: RouteAcc): void {
  const pairs = [...f.pairs].sort((x, y) => y[1] - x[1])
  const [topPair] = pairs[0]
  if (f.deltas.length >= 0.8 * f.n) {
    if (f.n < Math.max(2, 0.2 * M)) return
    const deltas = [...f.deltas].sort((a, b) => a - b)
    const med = deltas[Math.floor(deltas.length / 2)]
    const scale = [...f.magnitudes].sort((a, b) => a - b)[Math.floor(f.magnitudes.length / 2)]
    if (!(med > 0) || med > 0.01 * scale) return
    const deterministic = fieldLooksDeterministic(f, acc)
    if (deterministic !== undefined) {
      out.likelyRegressions.push({
        field: pointer,
        refused: 'no tolerance suggested: it stays reported',
        evidence: `numbers differ in ${f.n} of ${M} recorded exchanges by a median of ${num(med)} (values around ${num(scale)}), e.g. ${show(f.example![0])} → ${show(f.example![1])}; ${deterministic}`,
      })
      return
    }
    const abs = roundUp(4 * med)
    const beyond = deltas.filter((d) => d > abs)
    out.suggestions.push({
      kind: 'tolerance',
      pointer,
      abs,
      evidence: `numbers differ in ${f.n} of ${M} recorded exchanges by a median of ${num(med)} (values around ${num(scale)}); abs = 4 × median`,
      warning: beyond.length > 0 ? `${beyond.length} of the differences exceed it (up to ${num(deltas[deltas.length - 1])}): those stay reported` : undefined,
    })
    return
  }
  const randomFormat = isRandomFormat(topPair.split(' → ')[0])
  // Timestamps, ids and tokens go by their format even when they differ in only a few exchanges
  // (a millisecond clock that ticks between two answers now and then).
  if (!randomFormat || f.preserving < 0.5 * f.n || f.n < 2) return
  const example = `${f.preserving} times as ${topPair}, e.g. ${show(f.example![0])} → ${show(f.example![1])}`
  const deterministic = fieldLooksDeterministic(f, acc)
  if (deterministic !== undefined) {
    out.likelyRegressions.push({ field: pointer, refused: 'not suggested for format or ignore: it stays reported', evidence: `differs in ${f.n} of ${M} recorded exchanges, ${example}; ${deterministic}` })
    return
  }
  if (f.values.size < 0.9 * f.n) return
  const evidence = `differs in ${f.n} of ${M} recorded exchanges, never the same value twice, ${example}`
  if (f.formatChanges === 0) {
    out.suggestions.push({ kind: 'format', pointer, evidence })
    return
  }
  const changed = pairs.map(([p]) => p.split(' → ')).filter(([a, b]) => a !== b)
  const primaryFormats = new Set(pairs.map(([p]) => p.split(' → ')[0]))
  const seen = `in ${f.formatChanges} exchanges the FORMAT changed (${changed.map((p) => p.join(' → ')).join(', ')}, e.g. ${show(f.formatExample![0])} → ${show(f.formatExample![1])})`
  // A format the primary answered with elsewhere is the field's own variety; comparing by format would report it.
  if (changed.some(([, b]) => primaryFormats.has(b))) {
    out.suggestions.push({ kind: 'ignore', pointer, evidence, warning: `${seen}: that looks like a regression, and ignoring this field hides it` })
    return
  }
  out.suggestions.push({
    kind: 'format',
    pointer,
    evidence,
    warning: `${seen}, to a format the primary never answered with: that looks like a regression, and comparing by format keeps reporting it; if the new format is intended, move this pointer to ignore.body`,
  })
}

/**
 * A clock reading (a time within a minute of the exchange in nearly every
 * recorded exchange) is compared by format even when it rarely or never
 * differed in what was recorded: two instances read the clock apart
 * whenever it ticks between their answers.
 */
function suggestClock(out: RouteSuggestions, pointer: string, n: number, M: number, acc: RouteAcc): void {
  if (n < 0.9 * M || out.suggestions.some((s) => 'pointer' in s && s.pointer === pointer) || out.likelyRegressions.some((l) => l.field === pointer)) return
  const f = acc.fields.get(pointer)
  // It differed in ways a clock does not (a format change, or far apart): suggestField said what it could.
  if (f !== undefined && (f.formatChanges > 0 || f.maxSeconds > MAX_CLOCK_SECONDS)) return
  const differed = f === undefined ? 'never differed' : `differs in ${f.n} of ${M}, e.g. ${show(f.example![0])} → ${show(f.example![1])}`
  out.suggestions.push({
    kind: 'format',
    pointer,
    evidence: `a clock reading: within ${MAX_CLOCK_SECONDS} s of the request in ${n} of ${M} recorded exchanges (${differed}); two instances read the clock apart whenever it ticks between their answers`,
  })
}

function suggestHeaders(out: RouteSuggestions, acc: RouteAcc): void {
  for (const [name, h] of [...acc.headers].sort(byKey)) {
    const formats = [...h.formats]
    const example = h.example ? `, e.g. ${show(h.example[0])} → ${show(h.example[1])}` : ''
    const deterministic = headerLooksDeterministic(h)
    // Random: keeps a random-looking format, never repeats a value; in most exchanges, or (ids, tokens, times) in a few.
    const fresh = h.preserving >= 0.8 * h.differs && h.values.size >= 0.9 * h.differs
    const randomLooking = h.differs >= 2 && formats.every((f) => isRandomFormat(f))
    const random = deterministic === undefined && fresh && (h.differs >= 0.5 * h.present || randomLooking)
    if (VOLATILE_HEADERS.has(name) || random) {
      const why = VOLATILE_HEADERS.has(name) ? 'volatile by nature' : 'random per response'
      // Kept its random-value format every time it differed: a change of format would be news.
      if (deterministic === undefined && h.present >= MIN_EXCHANGES && h.differs > 0 && h.preserving === h.differs && formats.every((f) => isRandomFormat(f))) {
        out.suggestions.push({ kind: 'format-header', header: name, evidence: `${why}: differs in ${h.differs} of ${h.present} recorded exchanges, always as ${formats.join(' or ')}${example}` })
        continue
      }
      if (deterministic !== undefined) out.likelyRegressions.push({ field: `header ${name}`, refused: 'left uncompared, as a volatile header: compare it to have it reported', evidence: deterministic })
      out.notCompared.push(`${name} (${why}: differs in ${h.differs} of ${h.present}${example})`)
      continue
    }
    const evidence =
      h.differs === 0
        ? `present in ${h.present} recorded exchanges, always equal`
        : `present in ${h.present} recorded exchanges, differs in ${h.differs}${example}: compared, this is reported`
    out.suggestions.push({ kind: 'compare-header', header: name, evidence })
    if (deterministic !== undefined) {
      out.likelyRegressions.push({ field: `header ${name}`, refused: 'compared by this rule (compare.headers), so it is reported, never ignored', evidence: `differs in ${h.differs} of ${h.present} recorded exchanges; ${deterministic}` })
    }
  }
}

/** The route as a `match.path` pattern: itself when it is a path, else the one folded path all its requests share. */
function matchPath(acc: RouteAcc): string | undefined {
  if (acc.route.startsWith('/')) return acc.route
  return acc.paths.size === 1 ? [...acc.paths][0] : undefined
}

function byKey<T>(a: [string, T], b: [string, T]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0
}

/** Rounds up to one significant digit: 0.0117 → 0.02. */
function roundUp(x: number): number {
  const p = Math.pow(10, Math.floor(Math.log10(x)))
  return Number((Math.ceil(x / p) * p).toPrecision(1))
}

function num(x: number): string {
  return Number(x.toPrecision(3)).toString()
}

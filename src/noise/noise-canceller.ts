/**
 * The noise stage: runs in the compare stage, after the rules' comparison,
 * off the client's path. For each exchange it
 *
 * 1. learns: when the secondary (a second instance of the primary's code)
 *    answered, whatever differs between primary and secondary is noise in
 *    THIS exchange (status, headers, JSON body; with the values' formats,
 *    numeric magnitudes, order-only arrays), and is added to the learned
 *    noise of the route (persisted by the recorder);
 * 2. cancels, difference by difference: a candidate difference is noise when
 *    it is shaped like the noise seen at that field, in this exchange or
 *    learned before (classify.ts). A shuffled list is noise, a list that
 *    lost an element is not; a float within k × the jitter is noise, beyond
 *    it is not; a fresh UUID or timestamp is noise, a timestamp in another
 *    format or a field that disappeared is not.
 *
 * 3. holds what the exchange cannot decide by itself (classify.ts): a number
 *    beyond k × its jitter while the bound is not learned, an order-only
 *    change or a fresh random-looking value before the route's secondary
 *    has answered often enough. Those differences are taken out of the
 *    patch and listed in an `undecided` divergence; `awaiting` tells the
 *    compare stage to judge the exchange again once decidable() says so.
 *
 * Without a secondary answer (sampled out, failed, reverse shadow) only the
 * learned noise applies. Whether a field's noise is REALLY noise is judged
 * later, over all exchanges, by the report (field-decision.ts): noise
 * counts are kept apart from divergences, never dropped.
 *
 * Cost: nothing is parsed when the candidate's body equals the primary's
 * under the rules and the secondary's bytes equal the primary's.
 */
import type { CapturedResponse, Divergence, Exchange, Operation, UndecidedField } from '../types.js'
import type { ComparePolicy } from '../diff/policy.js'
import type { LearnedNoiseBatch } from '../store/learned-noise.js'
import type { Recorder } from '../store/recorder.js'
import { fieldKey, NoiseProfile, observe } from './noise-profile.js'
import type { Observations, RouteNoise } from './noise-profile.js'
import { judge } from './classify.js'
import type { Evidence, Verdict, Wait } from './classify.js'
import { resolveNoiseOptions } from './noise-options.js'
import type { NoiseOptions } from './noise-options.js'
import { extraHeaderDifferences, headerField, observeHeaders } from './header-noise.js'
import { asOperation, cancelBody, NOT_JSON, observeBody, parseBody } from './body-noise.js'
import type { BodyVerdict, Parsed } from './body-noise.js'
import type { ValueDiff } from './json-walk.js'
import { noiseOnlyOutside } from './noise-fields.js'
import { formatOf } from './value-format.js'

/** One field an exchange waits on: its key (fieldKey) and what for. */
export interface AwaitedField {
  key: string
  wait: Wait
}

/** Divergences that remain, and the differences classed as noise (counted apart). */
export interface CancelResult {
  /** What is reported; differences without a verdict are in one `undecided` divergence among them. */
  divergences: Divergence[]
  noise: readonly Divergence[]
  /**
   * The fields of the undecided differences, when more evidence may still
   * come (a secondary is configured). The compare stage holds the exchange
   * and calls cancel() again, with `rejudge`, once decidable() is true, or
   * when it has waited long enough: what is still undecided then is
   * recorded as undecided.
   */
  awaiting?: AwaitedField[]
}

export interface NoiseCancellerOptions extends Partial<NoiseOptions> {
  /** A secondary is configured: enables comparing every header (see NoiseOptions.compareAllHeaders). */
  secondary: boolean
  /** Rows stored by an earlier run. */
  learned?: LearnedNoiseBatch
}

/** Counters for status and tests. */
export interface NoiseStats {
  /** Exchanges whose secondary answered and were learned from. */
  learned: number
  /** Exchanges with at least one difference classed as noise. */
  cancelled: number
  /** Bodies too different to pair (left as reported). */
  gaveUp: number
}

const NONE: readonly Divergence[] = Object.freeze([])

export class NoiseCanceller {
  readonly profile: NoiseProfile
  readonly options: NoiseOptions
  readonly #allHeaders: boolean
  readonly #secondary: boolean
  readonly #stats: NoiseStats = { learned: 0, cancelled: 0, gaveUp: 0 }

  constructor(opts: NoiseCancellerOptions) {
    const { secondary, learned, ...rest } = opts
    this.options = resolveNoiseOptions(rest)
    this.#allHeaders = secondary && this.options.compareAllHeaders
    this.#secondary = secondary
    this.profile = new NoiseProfile(this.options.maxFields)
    if (learned) this.profile.load(learned)
  }

  stats(): NoiseStats & { fields: number; droppedFields: number } {
    return { ...this.#stats, fields: this.profile.size, droppedFields: this.profile.dropped }
  }

  /**
   * Splits the rules' divergences of one exchange into divergences and
   * noise, and learns from its secondary. Never throws on odd input.
   *
   * @example
   *   const { divergences, noise } = canceller.cancel(exchange, match.policy, compareResponses(p, c, match.policy))
   *   recorder.recordCompared({ ...exchange, divergences, rules }, { noise })
   */
  cancel(ex: Exchange, policy: ComparePolicy, divergences: Divergence[], { rejudge = false } = {}): CancelResult {
    const { primary: p, candidate: c } = ex
    const s = ex.secondary?.ok ? ex.secondary : undefined
    const known = this.profile.route(ex.request.method, ex.route)
    // Without a secondary answer and without every header compared, there is
    // nothing to learn, and nothing to cancel unless something differs on a
    // route with learned noise: the common equal case costs this one lookup.
    const nothingKnown = known === undefined || known.fields.size === 0
    if (!p.ok || (s === undefined && !this.#allHeaders && (divergences.length === 0 || nothingKnown))) {
      return { divergences, noise: NONE }
    }
    const docs: { p?: Parsed } = {}
    const primaryDoc = () => (docs.p ??= parseBody(p))
    let obs: Observations | undefined
    if (s !== undefined) obs = this.#observe(p, s, policy, primaryDoc)
    let result: CancelResult = { divergences, noise: [] }
    // Secondary answers on the route so far, this one included; undefined when no more will come.
    const routeSamples = this.#secondary ? (known?.exchanges ?? 0) + (s !== undefined && !rejudge ? 1 : 0) : undefined
    if (c.ok) result = this.#cancel(p, c, policy, divergences, { obs, known, routeSamples }, primaryDoc)
    // A second judgement of a held exchange: what it taught is learned already.
    if (rejudge) return result
    if (s !== undefined && obs !== undefined) {
      this.profile.learn(ex.request.method, ex.route, ex.at, obs)
      this.#stats.learned++
    }
    if (result.noise.length > 0) this.#stats.cancelled++
    return result
  }

  /**
   * True when a held exchange can be judged: every awaited number has its
   * bound learned, and every cold field has noise evidence now or the route
   * has coldSamples secondary answers.
   */
  decidable(method: string, route: string, awaiting: readonly AwaitedField[]): boolean {
    const known = this.profile.route(method, route)
    return awaiting.every(({ key, wait }) => {
      const f = known?.fields.get(key)
      if (wait === 'bound') return (f?.numeric ?? 0) >= this.options.magnitudeSamples
      return (f?.observed ?? 0) > 0 || (known?.exchanges ?? 0) >= this.options.coldSamples
    })
  }

  #observe(p: CapturedResponse, s: CapturedResponse, policy: ComparePolicy, primaryDoc: () => Parsed): Observations {
    const obs: Observations = new Map()
    if (p.status !== s.status) {
      // A 200 body against a 503 page says nothing about field noise: a
      // flaky secondary must not teach that every field may vanish.
      observe(obs, 'status', 'status', String(p.status), String(s.status))
      return obs
    }
    observeHeaders(p.headers, s.headers, policy, obs)
    if (p.complete && s.complete && !p.body.equals(s.body)) {
      const a = primaryDoc()
      const b = a === NOT_JSON ? NOT_JSON : parseBody(s)
      if (a !== NOT_JSON && b !== NOT_JSON && !observeBody(a, b, policy, obs)) this.#stats.gaveUp++
    }
    return obs
  }

  #cancel(
    p: CapturedResponse,
    c: CapturedResponse,
    policy: ComparePolicy,
    divergences: Divergence[],
    ctx: { obs: Observations | undefined; known: RouteNoise | undefined; routeSamples: number | undefined },
    primaryDoc: () => Parsed,
  ): CancelResult {
    const evidence = (key: string): Evidence => ({ inExchange: ctx.obs?.get(key), learned: ctx.known?.fields.get(key), routeSamples: ctx.routeSamples })
    const opts = this.options
    const undecided: UndecidedField[] = []
    const awaiting: AwaitedField[] = []
    const wait = (key: string, w: Wait, field: UndecidedField) => {
      undecided.push(field)
      // Keys are folded pointers (`/items/*/weight`): one entry per field.
      if (!awaiting.some((a) => a.key === key)) awaiting.push({ key, wait: w })
    }
    const bodyVerdict = (key: string, v: ValueDiff): BodyVerdict => {
      const ev = evidence(key)
      const verdict = judge(v.op, v.a, v.b, ev, opts)
      if (verdict === 'noise') return 'noise'
      if (verdict === 'divergent') return 'keep'
      wait(key, verdict, undecidedField(v.path, v.op, v.a, v.b, verdict, ev, opts))
      return 'hold'
    }
    const headerVerdict = (d: Extract<Divergence, { kind: 'header' }>): 'noise' | 'divergent' | 'hold' => {
      const verdict: Verdict = judge('header', d.primary, d.candidate, evidence(fieldKey(headerField(d.name), 'header')), opts)
      return verdict === 'noise' || verdict === 'divergent' ? verdict : 'hold'
    }
    const out: Divergence[] = []
    const noise: Divergence[] = []
    const heldHeaders: Extract<Divergence, { kind: 'header' }>[] = []
    const heldOps: Operation[] = []
    for (const d of divergences) {
      if (d.kind === 'status') {
        const shaped = judge('status', String(d.primary), String(d.candidate), evidence(fieldKey('status', 'status')), opts) === 'noise'
        ;(shaped ? noise : out).push(d)
      } else if (d.kind === 'header') {
        const v = headerVerdict(d)
        if (v === 'hold') heldHeaders.push(d)
        else (v === 'noise' ? noise : out).push(d)
      } else if (d.kind === 'body' && 'ops' in d) {
        this.#cancelBody(p, c, policy, d, bodyVerdict, orderOnlyOf(ctx), primaryDoc, out, noise, heldOps)
      } else {
        out.push(d)
      }
    }
    // Every header is compared when a secondary tells noise from change: in
    // this exchange, or through what it taught on this route before.
    const learnedEnough = ctx.known !== undefined && ctx.known.exchanges >= opts.minSamples && opts.compareAllHeaders
    if (this.#allHeaders || learnedEnough) extraHeaderDifferences(p.headers, c.headers, policy, headerVerdict, out, noise, heldHeaders)
    for (const d of heldHeaders) {
      const key = fieldKey(headerField(d.name), 'header')
      const ev = evidence(key)
      const verdict = judge('header', d.primary, d.candidate, ev, opts) as Wait
      wait(key, verdict, undecidedField(headerField(d.name), 'header', d.primary, d.candidate, verdict, ev, opts))
    }
    if (undecided.length > 0) out.push({ kind: 'undecided', fields: undecided })
    // A field without a verdict in this exchange is not counted as noise there either.
    const exclude: Divergence[] = heldOps.length > 0 ? [...out, ...heldHeaders, { kind: 'body', ops: heldOps }] : [...out, ...heldHeaders]
    const result: CancelResult = { divergences: out, noise: noiseOnlyOutside(noise, exclude) }
    // Without a secondary nothing more will be learned: undecided is the verdict at once.
    if (awaiting.length > 0 && this.#secondary) result.awaiting = awaiting
    return result
  }

  #cancelBody(
    p: CapturedResponse,
    c: CapturedResponse,
    policy: ComparePolicy,
    d: Extract<Divergence, { kind: 'body'; ops: Operation[] }>,
    verdict: (key: string, v: ValueDiff) => BodyVerdict,
    orderOnly: ReadonlySet<string>,
    primaryDoc: () => Parsed,
    out: Divergence[],
    noise: Divergence[],
    heldOps: Operation[],
  ): void {
    const a = primaryDoc()
    // A fresh parse: cancelBody reverts noise inside it.
    const b = a === NOT_JSON ? NOT_JSON : parseBody(c)
    const cancelled =
      a === NOT_JSON || b === NOT_JSON
        ? null
        : cancelBody(a, b, policy, verdict, orderOnly)
    if (cancelled === null) {
      out.push(d)
      return
    }
    if (cancelled.ops.length > 0) out.push({ kind: 'body', ops: cancelled.ops })
    noise.push({ kind: 'body', ops: cancelled.noise })
    for (const h of cancelled.held) heldOps.push(asOperation(h))
  }
}

/** One undecided difference, with the numbers that left it so. */
function undecidedField(field: string, op: string, a: unknown, b: unknown, wait: Wait, ev: Evidence, opts: NoiseOptions): UndecidedField {
  const out: UndecidedField = { field, op, awaited: wait, reason: '' }
  if (op !== 'move') {
    if (a !== undefined) out.primary = a
    if (b !== undefined) out.candidate = b
  }
  if (wait === 'bound') {
    const d = Math.abs((a as number) - (b as number))
    const inEx = ev.inExchange?.numeric ? ev.inExchange.magnitude : 0
    const bound = Math.max(ev.learned?.maxMagnitude ?? 0, inEx)
    out.reason =
      `differs by ${num(d)}, ${num(d / bound)}× the largest primary-vs-secondary difference seen there (${num(bound)}): ` +
      `beyond ${opts.magnitudeFactor}× it, within ${opts.decisiveFactor}×; the jitter bound needs ${opts.magnitudeSamples} secondary differences there, ${ev.learned?.numeric ?? 0} learned`
  } else {
    const what = op === 'move' ? 'same elements in another order' : `a fresh ${formatOf(b)} value`
    out.reason = `${what}, and no secondary answer showed noise there yet: the route had ${ev.routeSamples ?? 0} of the ${opts.coldSamples} secondary answers needed to rule noise out`
  }
  return out
}

function num(x: number): string {
  return Number.isFinite(x) ? Number(x.toPrecision(3)).toString() : String(x)
}

/** Arrays whose noise is order only: learned, or seen in this exchange. */
function orderOnlyOf(ctx: { obs: Observations | undefined; known: RouteNoise | undefined }): ReadonlySet<string> {
  const learned = ctx.known?.orderOnly
  let seen: Set<string> | undefined
  if (ctx.obs) {
    for (const key of ctx.obs.keys()) {
      if (!key.startsWith('move\u0000')) continue
      seen ??= new Set(learned)
      seen.add(key.slice(5))
    }
  }
  return seen ?? learned ?? EMPTY_SET
}

const EMPTY_SET: ReadonlySet<string> = new Set()

/**
 * A canceller connected to the recorder: loads what earlier runs learned
 * from its database, and has each flush write what changed.
 *
 * @example
 *   const noise = createNoiseCanceller(recorder, { secondary: config.secondary !== null })
 *   const compare = new CompareStage(recorder, stats, config.diff.maxQueue, noise)
 */
export function createNoiseCanceller(recorder: Recorder, opts: Omit<NoiseCancellerOptions, 'learned'>): NoiseCanceller {
  let canceller: NoiseCanceller | undefined
  const learned = recorder.attachLearnedNoise({
    takeDirty: () => canceller?.profile.takeDirty() ?? null,
    putBack: (batch) => canceller?.profile.putBack(batch),
  })
  canceller = new NoiseCanceller({ ...opts, learned })
  return canceller
}

/**
 * What `split`, `rollback` and `status` print for a person: the admin API's
 * JSON (`GET /api/split`, `GET /api/status`, `GET /api/promote`) as a few
 * aligned lines. `--format json` prints the JSON itself instead.
 */
import type { TrafficState } from '../split/audit-event.js'
import type { PromotionStatus } from '../split/promotion-plan.js'

/** One line: who serves users in this state. */
export function describeTraffic(state: TrafficState): string {
  const reverse = state.reverseShadow ? 'the side that did not serve is still called and compared' : 'no reverse shadow: the side that did not serve is not called'
  if (state.mode === 'shadow') return 'shadow: the primary serves every user; the candidate is mirrored and compared'
  if (state.mode === 'candidate') return `candidate: the candidate serves every user; ${state.reverseShadow ? 'the primary is mirrored and compared (rollback target kept warm)' : 'the primary is not called'}`
  return `split: the candidate serves ${state.weight}% of users, the primary ${Math.round((100 - state.weight) * 100) / 100}%; ${reverse}`
}

/** One line for a promotion, or undefined when none ever ran. */
export function describePromotion(p: PromotionStatus): string | undefined {
  if (p.state === 'idle') return undefined
  const steps = p.plan ? (p.plan.strategy === 'blue-green' ? ' of a blue/green promotion (shadow, then candidate)' : ` of ${p.plan.steps.join(' → ')}%`) : ''
  const next = p.nextCheckAt ? `, gate check at ${new Date(p.nextCheckAt).toISOString()}` : ''
  const why = p.reasons.length > 0 ? ` (${p.reasons.join('; ')})` : ''
  if (p.state === 'running') return `running: step ${p.step}${steps}, at ${p.weight}%${next}`
  if (p.state === 'paused') return `paused after step ${p.step}${steps}, at ${p.weight}%: 'shadowdiff promote --continue' goes on, '--abort' stops`
  return `${p.state} at step ${p.step}${steps}${why}`
}

type Status = Record<string, unknown> & {
  mode: string
  weight: number
  reverseShadow: boolean
  startedAt: string
  primary: string
  candidate: string
  secondary: string | null
  served: number
  compared: number
  divergent: number
  dropped: number
  skipped: number
  notMirrored: number
  notMirroredBy?: Record<string, number>
  candidateErrors: number
  candidateErrorsBy?: { status5xx: number; network: number }
  inFlight: number
  queued: number
  compareQueued?: number
  droppedBy?: Record<string, number>
  skippedBy?: Record<string, number>
  store: { pending: number; written: number; lost: number; flushes: number; failedFlushes: number; lastError: string | null }
  rules: { source: string | null; rules: number; loadedAt: string; reloads: number; lastError: string | null; lastErrorAt: string | null }
  capture?: { file: string; written: number; failed: number; overCap: number; dropped: number; bytes: number; lastError: string | null }
}

const n = (x: number) => x.toLocaleString('en-US')
const pct = (part: number, whole: number) => (whole === 0 ? '' : ` (${((part / whole) * 100).toFixed(1)}%)`)

/** Non-zero entries of a by-reason count: "queueFull 3, stale 1". */
function reasons(by: Record<string, number> | undefined): string {
  const parts = Object.entries(by ?? {}).filter(([, v]) => v > 0)
  return parts.length === 0 ? '' : `: ${parts.map(([k, v]) => `${k} ${n(v)}`).join(', ')}`
}

/**
 * `shadowdiff status` as text: mode, sides, counts, store health, rules and
 * the promotion, one labelled line each.
 */
export function renderStatus(admin: string, raw: Record<string, unknown>, promotion: PromotionStatus | undefined, now = Date.now()): string {
  const s = raw as Status
  const rows: [string, string][] = []
  const mode = s.mode === 'receiver' ? 'receiver: answers gateway copies with 204, calls and compares both sides itself' : describeTraffic(s as unknown as TrafficState)
  rows.push(['mode', mode])
  rows.push(['primary', s.primary])
  rows.push(['candidate', s.candidate])
  if (s.secondary) rows.push(['secondary', `${s.secondary} (noise cancellation)`])
  rows.push(['served', `${n(s.served)} requests; ${n(s.notMirrored)} not mirrored${reasons(s.notMirroredBy)}, ${n(s.skipped)} skipped${reasons(s.skippedBy)}`])
  const parts = s.candidateErrorsBy && s.candidateErrors > 0 ? ` (5xx ${n(s.candidateErrorsBy.status5xx)}, network ${n(s.candidateErrorsBy.network)})` : ''
  rows.push(['compared', `${n(s.compared)}, divergent ${n(s.divergent)}${pct(s.divergent, s.compared)}, candidate errors ${n(s.candidateErrors)}${parts}`])
  rows.push(['dropped', `${n(s.dropped)}${reasons(s.droppedBy)}${s.dropped > 0 ? ' (a bound was reached: see --max-in-flight, --max-queue)' : ''}`])
  rows.push(['in flight', `${n(s.inFlight)} mirrors, ${n(s.queued)} queued${s.compareQueued ? `, ${n(s.compareQueued)} waiting for comparison` : ''}`])
  const store = s.store
  const health = store.lastError ? `FAILING (${store.lastError}); ` : store.lost > 0 ? 'LOSING RECORDS; ' : 'ok; '
  rows.push(['store', `${health}${n(store.written)} written in ${n(store.flushes)} flushes, ${n(store.pending)} pending, ${n(store.lost)} lost, ${n(store.failedFlushes)} failed flushes`])
  const c = s.capture
  if (c) {
    const lost = c.failed + c.overCap + c.dropped
    rows.push(['capture', `${c.file}: ${n(c.written)} requests written (${n(c.bytes)} bytes)${lost > 0 ? `, ${n(lost)} lost (failed ${n(c.failed)}, over the cap ${n(c.overCap)}, dropped ${n(c.dropped)})` : ''}${c.lastError ? `; last error: ${c.lastError}` : ''}`])
  }
  const r = s.rules
  const loaded = r.source ? `${r.rules} rule${r.rules === 1 ? '' : 's'} from ${r.source}` : 'none loaded (every difference counts; see shadowdiff rules suggest)'
  rows.push(['rules', `${loaded}${r.reloads ? `, ${r.reloads} reload${r.reloads === 1 ? '' : 's'}` : ''}${r.lastError ? `; last reload FAILED at ${r.lastErrorAt}: ${r.lastError} (the previous set is in use)` : ''}`])
  // A fleet (--db postgres://…): the shared state this instance applies, and its part in it.
  const f = (raw as { control?: { revision: number; driver: boolean; listening: boolean } }).control
  if (f) {
    const role = f.driver ? 'this instance drives promotions' : 'another instance drives promotions'
    rows.push(['fleet', `shared split state at revision ${f.revision}; ${role}; ${f.listening ? 'listening for changes' : 'LISTEN connection down, polling every 500 ms'}`])
  }
  const promoting = promotion ? describePromotion(promotion) : undefined
  rows.push(['promotion', promoting ?? 'none'])
  rows.push(['up', `${duration(now - Date.parse(s.startedAt))}, since ${s.startedAt}`])
  const width = Math.max(...rows.map(([k]) => k.length)) + 2
  return [`shadowdiff at ${admin}`, ...rows.map(([k, v]) => `  ${k.padEnd(width)}${v}`)].join('\n')
}

/** 3725000 → "1h 2m". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  const d = Math.floor(s / 86400)
  const h = Math.floor((s % 86400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  if (d > 0) return `${d}d ${h}h`
  if (h > 0) return `${h}h ${m}m`
  if (m > 0) return `${m}m ${s % 60}s`
  return `${s}s`
}

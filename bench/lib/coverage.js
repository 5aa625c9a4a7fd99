/**
 * The mirror coverage table: for each shadowdiff case marked `coverage`,
 * what was compared of what could be (compared ÷ mirror-eligible, over the
 * measured rounds only), what the adaptive controller chose (in-flight limit
 * and share, sampled every second), the client's p99 against the fast
 * candidate's, peak RSS, the knee candidate's own latency against its
 * unloaded latency, and the slow route's share of comparisons against its
 * share of traffic. Judged by COVERAGE_GOALS (bench/lib/cases.js).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { fetchStatus, settledStatus } from './shadowdiff.js'
import { median } from './report.js'
import { SLOW_ROUTE, SLOW_ROUTE_PATHS } from './cases.js'

const FAST_CASE = 'sd-shadow'

/** Before the first measured round: counters, per-route comparisons, a reset of the candidate's own stats. */
export async function startCoverage (c) {
  c.coverageStart = { status: await settledStatus(c.proc), compared: await comparedByRoute(c) }
  c.control = []
  c.upstreamStats = { requests: 0, latencySum: 0, actualSum: 0, maxHeld: 0, unloadedMs: undefined }
  if (c.statsUrl) await readUpstreamStats(c)
}

/** Every second of a measured round: what the controller has chosen now. */
export function sampleControl (c) {
  fetchStatus(c.proc).then((s) => { if (s.mirrorControl) c.control.push(s.mirrorControl) }, () => {})
}

/**
 * Before a measured round of a knee case, while nothing else loads it: the
 * candidate's unloaded latency as a client sees it on this machine now (20
 * requests one at a time, median), so "latency at the chosen limit ÷
 * unloaded" compares like with like on a busy machine.
 */
export async function measureUnloaded (c) {
  if (!c.statsUrl) return
  const base = c.statsUrl.replace('/__bench/stats', c.paths ? '/orders/slow/1' : '/orders/1')
  const times = []
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now()
    const res = await fetch(base, { signal: AbortSignal.timeout(5000) })
    await res.arrayBuffer()
    times.push(performance.now() - t0)
  }
  c.unloadedActual = [...(c.unloadedActual ?? []), median(times)]
  // Not part of the round: forget what these did.
  await fetch(c.statsUrl, { signal: AbortSignal.timeout(5000) }).then((r) => r.arrayBuffer())
}

/** After a measured round: what the candidate itself did (knee and slow-route candidates). */
export async function endRound (c) {
  if (c.statsUrl) await readUpstreamStats(c)
}

/** After the last round. */
export async function endCoverage (c) {
  c.coverageEnd = { status: await settledStatus(c.proc), compared: await comparedByRoute(c) }
}

async function readUpstreamStats (c) {
  const res = await fetch(c.statsUrl, { signal: AbortSignal.timeout(5000) })
  const s = await res.json()
  c.upstreamStats.requests += s.requests
  c.upstreamStats.latencySum += (s.meanMs ?? 0) * s.requests
  c.upstreamStats.actualSum += (s.actualMeanMs ?? 0) * s.requests
  c.upstreamStats.maxHeld = Math.max(c.upstreamStats.maxHeld, s.maxHeld)
  c.upstreamStats.unloadedMs = s.unloadedMs
}

/** shadowdiff_compared_total by route, from /metrics. */
async function comparedByRoute (c) {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(`http://127.0.0.1:${c.proc.adminPort}/metrics`, { signal: AbortSignal.timeout(5000) })
      const text = await res.text()
      const out = {}
      for (const m of text.matchAll(/^shadowdiff_compared_total\{[^}]*route="([^"]*)"[^}]*\} (\d+)/gm)) out[m[1]] = (out[m[1]] ?? 0) + Number(m[2])
      return out
    } catch (err) {
      if (attempt >= 2) throw err
      await sleep(200)
    }
  }
}

/** One row per coverage case (rows: the summarized case rows, by id). */
export function coverageRows (cases, rows) {
  const byId = new Map(rows.map((r) => [r.id, r]))
  const fast = byId.get(FAST_CASE)
  const out = []
  for (const c of cases) {
    if (!c.coverage || !c.coverageStart || !c.coverageEnd) continue
    const row = byId.get(c.id)
    const a = c.coverageStart.status
    const b = c.coverageEnd.status
    const d = (k) => (b[k] ?? 0) - (a[k] ?? 0)
    const eligible = d('served') - d('notMirrored')
    const limits = c.control.map((m) => m.limit)
    const shares = c.control.map((m) => m.share)
    const r = {
      id: c.id,
      label: c.label,
      failed: row?.failed,
      rps: row?.rps,
      p99VsFast: row && fast && !fast.failed ? row.p99 / fast.p99 : NaN,
      rssMb: row?.rssMb,
      eligible,
      coverage: eligible > 0 ? d('compared') / eligible : NaN,
      dropped: d('dropped'),
      adaptive: (b.skippedBy?.adaptive ?? 0) - (a.skippedBy?.adaptive ?? 0),
      limit: limits.length ? median(limits) : NaN,
      limitMin: limits.length ? Math.min(...limits) : NaN,
      limitMax: limits.length ? Math.max(...limits) : NaN,
      share: shares.length ? median(shares) : NaN,
      kneeMeanMs: NaN,
      unloadedMs: NaN,
      kneeRatio: NaN,
      slowRouteShare: NaN,
      slowRouteRatio: NaN
    }
    const u = c.upstreamStats
    if (u && u.requests > 0) {
      // Given: what the knee's formula asked for; actual: what a client waited, against the unloaded wait measured just before each round.
      r.kneeGivenMs = u.latencySum / u.requests
      r.kneeGivenRatio = r.kneeGivenMs / u.unloadedMs
      r.kneeMeanMs = u.actualSum / u.requests
      r.unloadedMs = c.unloadedActual?.length ? median(c.unloadedActual) : u.unloadedMs
      r.kneeRatio = r.kneeMeanMs / r.unloadedMs
      r.kneeMaxHeld = u.maxHeld
    }
    if (c.paths === SLOW_ROUTE_PATHS) {
      const compared = (route) => (c.coverageEnd.compared[route] ?? 0) - (c.coverageStart.compared[route] ?? 0)
      const all = Object.keys(c.coverageEnd.compared).reduce((n, route) => n + compared(route), 0)
      const traffic = SLOW_ROUTE_PATHS.filter((p) => p.startsWith('/orders/slow/')).length / SLOW_ROUTE_PATHS.length
      r.slowRouteShare = all > 0 ? compared(SLOW_ROUTE) / all : NaN
      r.slowRouteTraffic = traffic
      r.slowRouteRatio = r.slowRouteShare / traffic
    }
    out.push(r)
  }
  return out
}

const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '—')
const pct = (n) => (Number.isFinite(n) ? `${(n * 100).toFixed(1)} %` : '—')
const int = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—')

export function coverageTable (rows) {
  const out = [
    '| case | req/s | coverage (compared ÷ eligible) | skipped `adaptive` | dropped | limit chosen (median, range) | share (median) | client p99 ÷ fast | peak RSS MB | candidate latency ÷ unloaded | slow route: share of compared ÷ of traffic |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|'
  ]
  for (const r of rows) {
    const knee = Number.isFinite(r.kneeRatio) ? `${fmt(r.kneeMeanMs, 1)} ÷ ${fmt(r.unloadedMs, 1)} ms = ${fmt(r.kneeRatio, 2)}× (by its formula ${fmt(r.kneeGivenRatio, 2)}×; max held ${r.kneeMaxHeld})` : '—'
    const slow = Number.isFinite(r.slowRouteRatio) ? `${pct(r.slowRouteShare)} ÷ ${pct(r.slowRouteTraffic)} = ${fmt(r.slowRouteRatio, 2)}×` : '—'
    const label = r.failed ? `${r.label} (FAILED: ${String(r.failed).replace(/\|/g, '\\|')})` : r.label
    out.push(`| ${label} | ${int(r.rps)} | ${pct(r.coverage)} | ${int(r.adaptive)} | ${int(r.dropped)} | ${fmt(r.limit)} (${fmt(r.limitMin)}–${fmt(r.limitMax)}) | ${pct(r.share)} | ${fmt(r.p99VsFast, 2)}× | ${fmt(r.rssMb)} | ${knee} | ${slow} |`)
  }
  return out.join('\n')
}

/** PASS/MISS per coverage goal; 'n/a' when its case did not run or FAILED. */
export function evaluateCoverageGoals (goals, rows) {
  return goals.map((g) => {
    if (g.case === '*') {
      const live = rows.filter((r) => !r.failed)
      if (!live.length) return { ...g, measured: NaN, verdict: 'n/a' }
      const v = g.value(live)
      return { ...g, measured: v, verdict: g.ok(v) ? 'PASS' : 'MISS' }
    }
    const r = rows.find((x) => x.id === g.case)
    if (!r || r.failed) return { ...g, measured: NaN, verdict: 'n/a' }
    const v = g.value(r)
    return { ...g, measured: v, verdict: Number.isFinite(v) && g.ok(v) ? 'PASS' : 'MISS' }
  })
}

export function coverageGoalsTable (results) {
  const show = (g) => (g.format === 'pct' ? pct(g.measured) : g.format === 'mb' ? `${fmt(g.measured)} MB` : `${fmt(g.measured, 2)}×`)
  const out = ['| goal | measured | verdict |', '|---|--:|---|']
  for (const g of results) out.push(`| ${g.id} ${g.text} | ${show(g)} | ${g.verdict} |`)
  return out.join('\n')
}

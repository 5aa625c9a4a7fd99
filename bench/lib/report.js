/**
 * Turns the rounds of a run into the printed tables: one row per case
 * (medians of the interleaved rounds, peak RSS), the shadowdiff counters,
 * and PASS/MISS per goal computed from the same run.
 */

/** Median of a non-empty list of numbers. */
export function median (values) {
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

/**
 * Collapses one case's rounds into a row. A case FAILS when it could not
 * start, its correctness check failed, or any round saw a non-2xx response
 * or a socket error: a fast wrong answer is not a result.
 */
export function summarize (c) {
  const rounds = c.rounds
  let failed = c.failed
  if (!failed && rounds.length === 0) failed = 'no measured round'
  const non2xx = rounds.reduce((n, r) => n + r.non2xx, 0)
  const socketErrors = rounds.reduce((n, r) => n + r.socketErrors, 0)
  if (!failed && non2xx) failed = `${non2xx} non-2xx responses`
  if (!failed && socketErrors) failed = `${socketErrors} socket errors (${rounds.map((r) => r.errorKinds).filter(Boolean).join('; ')})`
  const rps = rounds.map((r) => r.rps)
  return {
    id: c.id,
    label: c.label,
    kind: c.kind,
    failed,
    skipped: c.skipped ? c.failed : undefined,
    rps: rounds.length ? median(rps) : NaN,
    rpsMin: Math.min(...rps),
    rpsMax: Math.max(...rps),
    p50: rounds.length ? median(rounds.map((r) => r.p50Ms)) : NaN,
    p99: rounds.length ? median(rounds.map((r) => r.p99Ms)) : NaN,
    cpuUsPerReq: rounds.length ? median(rounds.map((r) => r.cpuUsPerReq)) : NaN,
    cpuPct: rounds.length ? median(rounds.map((r) => r.cpuPct)) : NaN,
    rssMb: c.rssPeakMb,
    status: c.status,
    note: c.note
  }
}

const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '—')
const fmtInt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—')

/** The main markdown table. */
export function caseTable (rows) {
  const out = [
    '| case | req/s (median) | req/s range | p50 ms | p99 ms | CPU µs/req | CPU % | RSS MB (peak) | result |',
    '|---|--:|--:|--:|--:|--:|--:|--:|---|'
  ]
  for (const r of rows) {
    const range = !Number.isFinite(r.rpsMin) ? '—' : `${fmtInt(r.rpsMin)}–${fmtInt(r.rpsMax)}`
    const result = (r.skipped ? 'skipped (see below)' : r.failed ? `FAILED: ${r.failed}` : (r.note ?? 'ok'))
      .replace(/\|/g, '\\|').replace(/\n/g, ' ')
    out.push(`| ${r.label} | ${fmtInt(r.rps)} | ${range} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.cpuUsPerReq)} | ${fmt(r.cpuPct)} | ${r.kind === 'direct' ? '—' : fmt(r.rssMb, 0)} | ${result} |`)
  }
  return out.join('\n')
}

/** shadowdiff's own counters at the end of the run (warm-up included). */
export function countersTable (rows) {
  const sd = rows.filter((r) => r.kind === 'shadowdiff' && r.status)
  if (!sd.length) return ''
  const out = [
    '| case | served | mirrored | compared | divergent | dropped | in flight at end |',
    '|---|--:|--:|--:|--:|--:|--:|'
  ]
  for (const r of sd) {
    const s = r.status
    out.push(`| ${r.label} | ${fmtInt(s.served)} | ${fmtInt(s.mirrored)} | ${fmtInt(s.compared)} | ${fmtInt(s.divergent)} | ${fmtInt(s.dropped)} | ${fmtInt((s.inFlight ?? 0) + (s.queued ?? 0))} |`)
  }
  return out.join('\n')
}

/**
 * Evaluates each goal: 'PASS', 'MISS', or 'n/a' when a side is missing or FAILED.
 * @returns {{ id: string, text: string, ratio: number, target: number, verdict: string }[]}
 */
export function evaluateGoals (goals, rows) {
  const byId = new Map(rows.map((r) => [r.id, r]))
  return goals.map((g) => {
    const a = byId.get(g.a)
    const b = byId.get(g.b)
    if (!a || !b || a.failed || b.failed) return { ...g, ratio: NaN, verdict: 'n/a' }
    const ratio = g.metric === 'p99' ? a.p99 / b.p99 : a.rps / b.rps
    const ok = g.metric === 'p99' ? ratio <= g.target : ratio >= g.target
    return { ...g, ratio, verdict: ok ? 'PASS' : 'MISS' }
  })
}

/** The goals as a markdown table. */
export function goalsTable (results) {
  const out = ['| goal | measured | target | verdict |', '|---|--:|--:|---|']
  for (const g of results) {
    const cmp = g.metric === 'p99' ? '≤' : '≥'
    out.push(`| ${g.id} ${g.text} | ${fmt(g.ratio, 2)}× | ${cmp} ${g.target.toFixed(1)}× | ${g.verdict} |`)
  }
  return out.join('\n')
}

/**
 * The deterministic traffic of the fleet tests (as in
 * merged-report-equality.test.ts): GETs on two routes and a POST every 10th,
 * a candidate that drops a field on some users and fails some orders, and
 * the report minus what depends on the clock or the store's name.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { json } from '../helpers/upstream.js'
import type { LatencySummary, Report } from '../../src/report/report-types.js'

/** Request i of the stream. */
export function nth(i: number): { method: 'GET' | 'POST'; path: string; id: string } {
  const id = `req-${String(i).padStart(4, '0')}`
  if (i % 10 === 9) return { method: 'POST', path: '/api/orders', id }
  return { method: 'GET', path: i % 2 === 0 ? `/api/users/${i}` : `/api/orders/${i}?expand=lines`, id }
}

/** v1 (primary) and v2 (candidate): v2 drops email for users divisible by 4 and fails orders divisible by 5. */
export function service(version: 1 | 2) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const n = Number(url.pathname.split('/').pop())
    if (url.pathname.startsWith('/api/users/')) {
      return json(res, 200, version === 2 && n % 4 === 0 ? { id: n, name: `user ${n}` } : { id: n, name: `user ${n}`, email: `u${n}@example.com` })
    }
    if (url.pathname.startsWith('/api/orders/')) {
      if (version === 2 && n % 5 === 0) return json(res, 500, { error: 'boom' })
      return json(res, 200, { id: n, total: n * 17.35, lines: [n] })
    }
    json(res, 201, { created: true })
  }
}

/**
 * The report without what differs between two runs by the clock: latency
 * values (counts kept), example times, the minute buckets of the timeline
 * (summed), the window's time stamps, and the sources' names.
 */
export function comparable(r: Report) {
  const latency = (l: { primary: LatencySummary; candidate: LatencySummary } | undefined) => l && { primary: l.primary.count, candidate: l.candidate.count }
  return {
    window: { exact: r.window.exact },
    totals: { ...r.totals, latency: latency(r.totals.latency) },
    endpoints: r.endpoints.map((e) => ({
      ...e,
      latency: latency(e.latency),
      examples: e.examples.map(({ at: _at, ...ex }) => ex).sort((a, b) => (a.id < b.id ? -1 : 1)),
    })),
    timeline: r.timeline.reduce((sum, p) => ({ compared: sum.compared + p.compared, divergent: sum.divergent + p.divergent }), { compared: 0, divergent: 0 }),
    verdict: comparableVerdict(r.verdict),
    events: r.events.map(({ at: _at, ...e }) => e),
    hints: r.hints?.length ?? 0,
  }
}

/** A verdict without its window's time stamps and the clock-dependent latency ratio. */
export function comparableVerdict<V extends { latencyRatio: number | null; window?: unknown }>(v: V) {
  return { ...v, window: undefined, latencyRatio: v.latencyRatio === null ? null : 'a number' }
}

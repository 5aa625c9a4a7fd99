/**
 * The gradient controller on a fake clock, against simulated candidates: a
 * client that always has more mirrors to send than the limit allows (or a
 * fixed number), a candidate whose latency is a function of how many
 * mirrors it holds. Pure logic: no sockets, no timers, exact and repeatable.
 */
import { describe, expect, it } from 'vitest'
import { GradientLimit } from '../../src/mirror/gradient-limit.js'

interface Outstanding {
  route: string
  sentAt: number
  doneAt: number
  inFlightAtSend: number
}

interface Sim {
  limit: GradientLimit
  /** The limit at each simulated millisecond. */
  limits: number[]
  /** Latency of each completed mirror, with the time it completed. */
  latencies: { at: number; ms: number; route: string }[]
}

/**
 * Runs `ms` simulated milliseconds. `latency(inFlight, route)` is the
 * candidate's answer time for a mirror sent while it holds `inFlight`;
 * `demand` how many the client would keep in flight (Infinity: always more).
 * `routes` are sent in turn.
 */
function simulate(opts: {
  ms: number
  latency: (inFlight: number, route: string, now: number) => number
  demand?: number
  routes?: string[]
  floor?: number
  ceiling?: number
  cap?: (now: number) => number
  limit?: GradientLimit
  start?: number
}): Sim {
  const start = opts.start ?? 0
  const limit = opts.limit ?? new GradientLimit({ floor: opts.floor ?? 4, ceiling: opts.ceiling ?? 2000 }, start)
  const routes = opts.routes ?? ['/a']
  const demand = opts.demand ?? Infinity
  let out: Outstanding[] = []
  let next = 0
  const sim: Sim = { limit, limits: [], latencies: [] }
  for (let now = start; now < start + opts.ms; now++) {
    const done = out.filter((o) => o.doneAt <= now)
    out = out.filter((o) => o.doneAt > now)
    for (const o of done) {
      limit.onSample(o.route, o.sentAt, now - o.sentAt, o.inFlightAtSend, true)
      sim.latencies.push({ at: now, ms: now - o.sentAt, route: o.route })
    }
    const allowed = limit.update(now, opts.cap?.(now))
    while (out.length < allowed && out.length < demand) {
      const route = routes[next++ % routes.length]
      const inFlight = out.length + 1
      limit.onSend(inFlight)
      out.push({ route, sentAt: now, doneAt: now + Math.max(1, Math.round(opts.latency(inFlight, route, now))), inFlightAtSend: inFlight })
    }
    sim.limits.push(allowed)
  }
  return sim
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length

describe('gradient limit', () => {
  it('starts at 32, takes the first answer (sent alone) as the no-load latency, then raises the limit for a slow but healthy candidate far above 128', () => {
    const sim = simulate({ ms: 10_000, latency: () => 50 })
    expect(sim.limits[0]).toBe(32)
    expect(sim.limit.baseline('/a')).toBe(50)
    // Constant latency and always more to send: nothing says stop before the ceiling.
    expect(sim.limit.limit).toBe(2000)
    // Between the first probe (at 5 s, one at a time) and the second (at 15 s).
    expect(Math.min(...sim.limits.slice(7_000, 10_000))).toBeGreaterThan(1000)
  })

  it('lowers the limit for a candidate whose latency climbs with its concurrency, and holds it below the knee (≤ 2× unloaded)', () => {
    // 20 ms + 1 ms per mirror it holds: 21 ms unloaded.
    const sim = simulate({ ms: 20_000, latency: (inFlight) => 20 + inFlight })
    // Between the probes (5 s and 15 s: one at a time) and after them.
    const settled = [...sim.limits.slice(7_000, 14_900), ...sim.limits.slice(17_000)]
    expect(Math.max(...settled)).toBeLessThan(22)
    expect(Math.min(...settled)).toBeGreaterThan(4)
    const late = sim.latencies.filter((l) => l.at >= 5_000).map((l) => l.ms)
    expect(mean(late)).toBeLessThanOrEqual(2 * 21)
    expect(Math.max(...late)).toBeLessThanOrEqual(2 * 21)
  })

  it('cuts a high limit when a healthy candidate starts to queue (a knee appears)', () => {
    let kneeFrom = Infinity
    const latency = (inFlight: number, _route: string, now: number) => (now < kneeFrom ? 30 : 30 + inFlight / 10)
    const limit = new GradientLimit({ floor: 4, ceiling: 2000 }, 0)
    // It grows after the first probe (at 5 s).
    const before = simulate({ ms: 8_000, latency, limit })
    expect(before.limit.limit).toBe(2000)
    kneeFrom = 8_000
    const after = simulate({ ms: 5_000, latency, limit, start: 8_000 })
    // 30 ms + 0.1 ms per mirror: 1.5× unloaded at 150 in flight, 2× at 300.
    expect(Math.max(...after.limits.slice(2_000))).toBeLessThan(300)
    const late = after.latencies.filter((l) => l.at >= 10_000).map((l) => l.ms)
    expect(mean(late)).toBeLessThanOrEqual(2 * 30)
  })

  it('does not grow while the client uses less than half of the limit (app-limited)', () => {
    const sim = simulate({ ms: 10_000, latency: () => 50, demand: 100 })
    // It grows while the client uses half of it, then one step more (×1.5 + √limit) at most.
    expect(sim.limit.limit).toBeGreaterThan(100)
    expect(sim.limit.limit).toBeLessThanOrEqual(350)
  })

  it('never goes above the cap it is given (the memory budget)', () => {
    const sim = simulate({ ms: 12_000, latency: () => 50, cap: (now) => (now < 9_000 ? 300 : 60) })
    expect(Math.max(...sim.limits.slice(0, 9_000))).toBe(300)
    expect(Math.max(...sim.limits.slice(9_001))).toBe(60)
  })

  it('compares each route with its own baseline: a route that is slow by nature does not hold the limit down', () => {
    const sim = simulate({ ms: 10_000, latency: (_n, route) => (route === '/report' ? 400 : 5), routes: ['/a', '/a', '/a', '/report'] })
    expect(sim.limit.baseline('/a')).toBe(5)
    expect(sim.limit.baseline('/report')).toBe(400)
    expect(sim.limit.limit).toBe(2000)
  })

  it('is held down by the worst route: a knee on one route is not hidden by fast ones', () => {
    // /slow queues with concurrency; /a answers in 2 ms whatever happens.
    let slowOut = 0
    const sim = simulate({
      ms: 20_000,
      routes: ['/a', '/a', '/a', '/slow'],
      latency: (inFlight, route) => (route === '/slow' ? 20 + inFlight : 2),
    })
    void slowOut
    const late = sim.latencies.filter((l) => l.at >= 8_000 && l.route === '/slow').map((l) => l.ms)
    expect(mean(late)).toBeLessThanOrEqual(2 * 21)
  })

  it('stays where it starts when nothing ever answers (a stalled candidate gives no evidence; the share sheds for it)', () => {
    const sim = simulate({ ms: 10_000, latency: () => 1e9 })
    // 32, then 1 while the first probe (at 2 s) waits in vain, then half of 32: it never rises.
    expect(sim.limits[0]).toBe(32)
    expect(Math.max(...sim.limits)).toBe(32)
    expect(sim.limits.at(-1)).toBe(16)
  })

  it('probes at once, one at a time, when routes keep answering without a baseline', () => {
    const limit = new GradientLimit({ floor: 1, ceiling: 2000 }, 0)
    simulate({ ms: 2_000, latency: () => 20, routes: ['/a'], limit })
    expect(limit.baseline('/b')).toBeUndefined()
    // /b shows up under full load: only the first mirror (/a) goes out with 1 in flight.
    const sim = simulate({ ms: 3_000, latency: () => 20, routes: ['/a', '/b'], limit, start: 2_000 })
    expect(sim.limits).toContain(1)
    expect(limit.baseline('/b')).toBe(20)
    expect(limit.limit).toBe(2000)
  })

  it('measures the no-load latency again every 30 s, one mirror at a time, and follows a candidate that became slower for good once two probes agree', () => {
    let slowFrom = Infinity
    const latency = (_n: number, _r: string, now: number) => (now < slowFrom ? 10 : 40)
    const limit = new GradientLimit({ floor: 4, ceiling: 2000 }, 0)
    simulate({ ms: 10_000, latency, limit })
    expect(limit.limit).toBe(2000)
    slowFrom = 10_000
    // 4× slower but flat: above the tolerance until two probes in a row (at 32 s and 62 s) agree on the new baseline.
    const after = simulate({ ms: 60_000, latency, limit, start: 10_000 })
    // The probe runs one mirror at a time.
    expect(Math.min(...after.limits)).toBe(1)
    expect(limit.baseline('/a')).toBe(40)
    expect(limit.limit).toBe(2000)
  })
})

/**
 * Open-loop load for the adaptive-mirror tests: `rate` requests per second
 * for `durationMs`, whatever the proxy's answer time (a closed loop would
 * slow down with the proxy and hide what the controller does), over one
 * undici Pool. Every answer must be the primary's 200.
 */
import { Pool } from 'undici'
import { setTimeout as sleep } from 'node:timers/promises'

export interface PacedResult {
  sent: number
  ok: number
  /** Client latencies in ms. */
  latencies: number[]
}

export async function pacedLoad(
  origin: string,
  opts: { rate: number; durationMs: number; path: (i: number) => string; onTick?: (elapsedMs: number) => void },
): Promise<PacedResult> {
  const pool = new Pool(origin, { connections: 64, pipelining: 1 })
  const pending: Promise<void>[] = []
  const result: PacedResult = { sent: 0, ok: 0, latencies: [] }
  const started = performance.now()
  try {
    for (;;) {
      const elapsed = performance.now() - started
      if (elapsed >= opts.durationMs) break
      opts.onTick?.(elapsed)
      // A loaded machine may fall behind: catch up by at most 20 ms worth per tick, never in one burst.
      const due = Math.min(Math.floor((elapsed / 1000) * opts.rate), result.sent + Math.ceil(opts.rate / 50))
      while (result.sent < due) {
        const i = result.sent++
        const t0 = performance.now()
        pending.push(
          pool.request({ path: opts.path(i), method: 'GET' }).then(async (res) => {
            await res.body.dump()
            result.latencies.push(performance.now() - t0)
            if (res.statusCode === 200) result.ok++
          }),
        )
      }
      await sleep(5)
    }
    await Promise.all(pending)
  } finally {
    await pool.close()
  }
  return result
}

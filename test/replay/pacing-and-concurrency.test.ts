/**
 * Pacing and the concurrency bound, measured where they matter: at the
 * upstream. --rate holds the asked rate within 10% over 5 s; --speed keeps
 * the recorded spacing scaled (never early); --concurrency is never
 * exceeded (the upstream counts its open requests) and is reached.
 */
import { describe, expect, it } from 'vitest'
import { startUpstream } from '../helpers/upstream.js'
import { tempDir } from '../helpers/proxy.js'
import { captureLine, replay, writeLines } from './replay-kit.js'

/** An upstream that notes when each request arrived and how many were open at once, answering after `holdMs`. */
async function countingUpstream(holdMs = 0): Promise<{ url: string; arrivals: number[]; maxOpen: () => number }> {
  const arrivals: number[] = []
  let open = 0
  let max = 0
  const url = await startUpstream((req, res) => {
    arrivals.push(performance.now())
    open++
    if (open > max) max = open
    req.resume()
    req.on('end', () =>
      setTimeout(() => {
        open--
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end('{"ok":true}')
      }, holdMs),
    )
  })
  return { url, arrivals, maxOpen: () => max }
}

const spanMs = (arrivals: number[]) => arrivals[arrivals.length - 1] - arrivals[0]

describe('replay pacing and concurrency', () => {
  it('--rate 40/s over 5 s arrives within 10% of 40 requests per second', async () => {
    const primary = await countingUpstream()
    const candidate = await countingUpstream()
    const dir = tempDir()
    const file = writeLines(dir, 'c.ndjson', Array.from({ length: 400 }, (_, i) => captureLine('GET', `http://x/api/r/${i}`)))
    const run = await replay(['--from', file, '--primary', primary.url, '--candidate', candidate.url, '--rate', '40/s', '--limit', '201', '--min-samples', '1'], { dir })
    expect(run.code, run.stderr).toBe(0)
    expect(primary.arrivals).toHaveLength(201)
    // 200 intervals at 40/s is 5 s.
    const rate = (200 * 1000) / spanMs(primary.arrivals)
    expect(rate).toBeGreaterThan(36)
    expect(rate).toBeLessThan(44)
    // Not in bursts: every 1 s window of the run holds about 40 requests.
    const start = primary.arrivals[0]
    for (let s = 0; s < 5; s++) {
      const n = primary.arrivals.filter((t) => t >= start + s * 1000 && t < start + (s + 1) * 1000).length
      expect(n, `second ${s}`).toBeGreaterThanOrEqual(30)
      expect(n, `second ${s}`).toBeLessThanOrEqual(50)
    }
    // Stderr is not a terminal here: plain progress lines, every few seconds.
    const progress = run.stderr.split('\n').filter((l) => l.startsWith('replay: sent'))
    expect(progress.length).toBeGreaterThanOrEqual(2)
    expect(progress[0]).toMatch(/^replay: sent [\d,]+ · compared [\d,]+ · divergent 0 · errors 0 · \d+\/s · \d+% · ETA \d+s$/)
    expect(progress.at(-1)).toMatch(/^replay: sent 201 · compared 201 · divergent 0 · errors 0 · \d+\/s · 100%$/)
  }, 120_000)

  it('--speed keeps the recorded spacing, scaled: 100 ms recorded is 50 ms at 2x and 200 ms at 0.5x', async () => {
    const dir = tempDir()
    const t0 = Date.parse('2024-06-01T10:00:00Z')
    const file = writeLines(dir, 'c.ndjson', Array.from({ length: 11 }, (_, i) => captureLine('GET', `http://x/api/s/${i}`, { at: t0 + i * 100 })))
    const spans: Record<string, number> = {}
    for (const speed of ['2x', '0.5x']) {
      const [primary, candidate] = await Promise.all([countingUpstream(), countingUpstream()])
      const run = await replay(['--from', file, '--primary', primary.url, '--candidate', candidate.url, '--speed', speed, '--min-samples', '1'], { dir })
      expect(run.code, run.stderr).toBe(0)
      expect(primary.arrivals).toHaveLength(11)
      // From the second request on: the first also paid for starting up and connecting.
      spans[speed] = spanMs(primary.arrivals.slice(1))
    }
    // 9 recorded gaps of 100 ms: 450 ms at 2x, 1800 ms at 0.5x (a loaded machine only adds, minus timer slack).
    expect(spans['2x']).toBeGreaterThanOrEqual(0.8 * 450)
    expect(spans['2x']).toBeLessThan(1_200)
    expect(spans['0.5x']).toBeGreaterThanOrEqual(0.8 * 1800)
    expect(spans['0.5x']).toBeLessThan(3_000)
    expect(spans['0.5x'] / spans['2x']).toBeGreaterThan(2.5)
  }, 120_000)

  it('--concurrency 5 is reached and never exceeded on either side', async () => {
    const primary = await countingUpstream(30)
    const candidate = await countingUpstream(30)
    const dir = tempDir()
    const file = writeLines(dir, 'c.ndjson', Array.from({ length: 120 }, (_, i) => captureLine('GET', `http://x/api/c/${i}`)))
    const run = await replay(['--from', file, '--primary', primary.url, '--candidate', candidate.url, '--concurrency', '5', '--min-samples', '120'], { dir })
    expect(run.code, run.stdout + run.stderr).toBe(0)
    expect(primary.arrivals).toHaveLength(120)
    expect(candidate.arrivals).toHaveLength(120)
    expect(primary.maxOpen()).toBe(5)
    expect(candidate.maxOpen()).toBe(5)
  }, 120_000)
})

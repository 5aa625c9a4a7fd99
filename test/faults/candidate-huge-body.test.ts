import { describe, expect, it, onTestFinished } from 'vitest'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { runCandidateFault, rssMb, useLedger } from './fault-kit.js'

useLedger(import.meta.filename)

// 256 MiB by default: 1 GiB takes ~20 s on the shared 2-core machine.
// HUGE_BODY_MB=1024 runs the full gigabyte (it passes: see docs/reliability.md).
const MB = Number(process.env.HUGE_BODY_MB ?? 256)

// The candidate runs in its own process so this process's RSS is the proxy's alone.
const CANDIDATE = `
const http = require('node:http')
const chunk = Buffer.alloc(1024 * 1024, 'x')
const mb = Number(process.argv[1])
http.createServer((req, res) => {
  res.writeHead(203, { 'content-type': 'application/octet-stream', 'content-length': mb * chunk.length })
  let sent = 0
  const pump = () => {
    while (sent < mb) { sent++; if (!res.write(chunk)) return void res.once('drain', pump) }
    res.end()
  }
  pump()
}).listen(0, '127.0.0.1', function () { process.stdout.write(this.address().port + '\\n') })
`

async function startHugeCandidate(): Promise<string> {
  const child = spawn(process.execPath, ['-e', CANDIDATE, String(MB)], { stdio: ['ignore', 'pipe', 'inherit'] })
  onTestFinished(() => void child.kill('SIGKILL'))
  const [line] = (await once(child.stdout, 'data')) as [Buffer]
  return `http://127.0.0.1:${line.toString().trim()}`
}

describe('candidate streams a huge body (256 MiB, or HUGE_BODY_MB)', () => {
  it('reads no more than the capture cap plus one chunk (the primary is shorter), cuts the call and records `BODY_TOO_LARGE`', async () => {
    const candidate = await startHugeCandidate()
    const before = rssMb()
    let peak = before
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb())), 20)
    try {
      const { app, rows } = await runCandidateFault({ candidate, requests: 1, config: { mirror: { timeoutMs: 120_000 }, diff: { captureBytes: 256 * 1024 } } })
      expect(app.stats.compared).toBe(1)
      expect(app.stats.candidateErrors).toBe(0)
      expect(rows).toHaveLength(1)
      const [d] = rows[0].divergences
      expect(d).toMatchObject({ kind: 'error', code: 'BODY_TOO_LARGE' })
      const read = Number(/cut after (\d+) bytes: longer than the primary's \d+ bytes/.exec((d as { message: string }).message)?.[1])
      expect(read).toBeGreaterThan(256 * 1024)
      expect(read).toBeLessThanOrEqual(256 * 1024 + 256 * 1024)
    } finally {
      clearInterval(sampler)
    }
    peak = Math.max(peak, rssMb())
    console.log(`huge body: ${MB} MiB offered by the candidate; proxy RSS before ${before.toFixed(0)} MiB, peak ${peak.toFixed(0)} MiB (+${(peak - before).toFixed(0)})`)
    expect(peak - before).toBeLessThan(100)
  })
})

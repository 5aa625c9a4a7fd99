import { describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { ledger, useLedger } from './fault-kit.js'

useLedger(import.meta.filename)

const SOAK = fileURLToPath(new URL('../../bench/soak.js', import.meta.url))

// bench/soak.js for 8 s instead of 10 minutes: the same workload (steady
// load, candidate flapping), asserted. The long run's output is in docs/reliability.md.
describe('short soak: steady load while the candidate flaps', () => {
  it('loses no client request, closes the accounting, and returns to its baseline fds', async () => {
    ledger.fault()
    const child = spawn(process.execPath, [SOAK], {
      env: { ...process.env, SOAK_SECONDS: '8', SOAK_RPS: '150', SOAK_FLAP_MS: '1500', SOAK_SAMPLE_MS: '1000', SOAK_JSON: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (c) => (out += c))
    child.stderr.on('data', (c) => (err += c))
    const [code] = await once(child, 'exit')
    const summary = JSON.parse(out.trim().split('\n').pop() ?? '{}')
    ledger.sent(summary.client?.sent ?? 0)
    ledger.lost((summary.client?.failed ?? 0) + (summary.client?.wrong ?? 0))
    expect(err).toBe('')
    expect(summary.checks, JSON.stringify(summary, null, 1)).toMatchObject({
      noClientLost: true,
      accountingCloses: true,
      servedAllSent: true,
      fdsBackToBaseline: true,
      storeHealthy: true,
      cleanExit: true,
    })
    expect(code).toBe(summary.ok ? 0 : 1)
    // The candidate really flapped: some mirrors failed, most were compared.
    expect(summary.flaps).toBeGreaterThanOrEqual(4)
    expect(summary.accounting.candidateErrors).toBeGreaterThan(0)
    expect(summary.accounting.compared).toBeGreaterThan(summary.accounting.candidateErrors)
    expect(summary.client.sent).toBeGreaterThan(500)
  })
})

/**
 * `shadowdiff status` as text shows what the merged admin status holds:
 * not-mirrored requests by reason (#14: method, split-no-shadow, pinned),
 * candidate errors in their two parts (#16), the capture file's counts
 * (#13), and a blue/green promotion by name.
 */
import { describe, expect, it } from 'vitest'
import { describePromotion, renderStatus } from '../../src/cli/status-text.js'
import type { PromotionStatus } from '../../src/split/promotion-plan.js'

const base = {
  mode: 'split',
  weight: 10,
  reverseShadow: false,
  startedAt: '2026-12-02T10:00:00.000Z',
  primary: 'http://127.0.0.1:3000',
  candidate: 'http://127.0.0.1:3001',
  secondary: null,
  served: 100,
  compared: 80,
  divergent: 4,
  dropped: 0,
  skipped: 0,
  notMirrored: 20,
  notMirroredBy: { method: 5, 'split-no-shadow': 15, pinned: 0 },
  candidateErrors: 3,
  candidateErrorsBy: { status5xx: 2, network: 1 },
  inFlight: 0,
  queued: 0,
  store: { pending: 0, written: 80, lost: 0, flushes: 4, failedFlushes: 0, lastError: null },
  rules: { source: null, rules: 0, loadedAt: '2026-12-02T10:00:00.000Z', reloads: 0, lastError: null, lastErrorAt: null },
}

describe('status text', () => {
  it('names every not-mirrored reason with a count, and both parts of the candidate errors', () => {
    const text = renderStatus('http://127.0.0.1:8081', base, undefined, Date.parse('2026-12-02T10:05:00.000Z'))
    expect(text).toMatch(/^ {2}served +100 requests; 20 not mirrored: method 5, split-no-shadow 15, 0 skipped$/m)
    expect(text).toMatch(/^ {2}compared +80, divergent 4 \(5\.0%\), candidate errors 3 \(5xx 2, network 1\)$/m)
    expect(text).not.toMatch(/^ {2}capture /m)
  })

  it('shows the capture file with what it wrote and what it lost', () => {
    const capture = { file: '/var/lib/shadowdiff/captured.ndjson', written: 42, failed: 1, overCap: 2, dropped: 0, bytes: 9000, lastError: 'ENOSPC' }
    const text = renderStatus('http://127.0.0.1:8081', { ...base, capture }, undefined)
    expect(text).toMatch(/^ {2}capture +\/var\/lib\/shadowdiff\/captured\.ndjson: 42 requests written \(9,000 bytes\), 3 lost \(failed 1, over the cap 2, dropped 0\); last error: ENOSPC$/m)
  })

  it('calls a blue/green promotion by its name, not by its two internal steps', () => {
    const p = { state: 'running', step: 0, weight: 0, reasons: [], plan: { steps: [0, 100], strategy: 'blue-green' }, nextCheckAt: null } as unknown as PromotionStatus
    expect(describePromotion(p)).toBe('running: step 0 of a blue/green promotion (shadow, then candidate), at 0%')
  })
})

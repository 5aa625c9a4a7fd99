/** Hand-built exchanges for the noise canceller's unit tests. */
import type { CapturedResponse, Exchange, FailedResponse, HeaderMap } from '../../src/types.js'
import type { ComparePolicy } from '../../src/diff/policy.js'
import { DEFAULT_POLICY } from '../../src/diff/default-policy.js'
import { compareResponses } from '../../src/diff/compare-responses.js'
import { NoiseCanceller } from '../../src/noise/noise-canceller.js'
import type { NoiseCancellerOptions } from '../../src/noise/noise-canceller.js'
import { fieldsOf } from '../../src/store/divergence-fields.js'
import type { Divergence } from '../../src/types.js'

/** A JSON response. */
export function side(body: unknown, headers: HeaderMap = {}, status = 200): CapturedResponse {
  const buf = Buffer.from(JSON.stringify(body))
  return { ok: true, status, headers: { 'content-type': 'application/json', ...headers }, body: buf, size: buf.length, complete: true, latencyMs: 1 }
}

export const failed: FailedResponse = { ok: false, code: 'ECONNRESET', message: 'reset', latencyMs: 1 }

let seq = 0

export function exchange(primary: CapturedResponse, candidate: CapturedResponse | FailedResponse, secondary?: CapturedResponse | FailedResponse): Exchange {
  return {
    id: `x${++seq}`,
    at: Date.UTC(2025, 0, 1) + seq,
    request: { method: 'GET', url: '/r/1', path: '/r/1', query: '', headers: {} },
    requestBody: null,
    route: '/r/:id',
    primary,
    candidate,
    ...(secondary && { secondary }),
  }
}

/** Runs one exchange through the canceller under `policy` (default: no rules). */
export function cancel(c: NoiseCanceller, ex: Exchange, policy: ComparePolicy = DEFAULT_POLICY) {
  return c.cancel(ex, policy, compareResponses(ex.primary, ex.candidate, policy))
}

/** `op field` of each divergence, sorted: what a report would count. */
export function keys(divergences: readonly Divergence[]): string[] {
  return fieldsOf(divergences)
    .map((f) => `${f.op} ${f.field}`)
    .sort()
}

export function canceller(opts: Partial<NoiseCancellerOptions> = {}): NoiseCanceller {
  return new NoiseCanceller({ secondary: true, ...opts })
}

/**
 * The mirror memory budget in bytes: reservations at the estimate, replaced
 * by what each side really captured, released when the exchange settles.
 */
import { describe, expect, it } from 'vitest'
import { EXCHANGE_OVERHEAD_BYTES, MirrorMemory, type HeldExchange } from '../../src/mirror/mirror-memory.js'
import type { SideResult } from '../../src/types.js'

const KiB = 1024
const exchange = (bodyBytes = 0): HeldExchange => ({
  request: { url: '/x' },
  headers: ['host', 'a'],
  requestBody: bodyBytes > 0 ? Buffer.alloc(bodyBytes) : null,
  mirrorSides: ['candidate'],
  heldBytes: 0,
  reservedPerSide: 0,
})
const answer = (bytes: number): SideResult => ({ ok: true, status: 200, headers: {}, body: Buffer.alloc(bytes), size: bytes, complete: true, latencyMs: 1 })

describe('mirror memory', () => {
  it('reserves each side at the capture cap until answers show smaller bodies, and never past the budget', () => {
    const memory = new MirrorMemory(1024 * KiB, 256 * KiB)
    // Two sides (served + candidate) at 256 KiB each, plus overhead: one fits in 1 MiB, not two.
    const a = exchange()
    expect(memory.reserve(a)).toBe(true)
    // The request copy: its target, and each header name and value (+4 for framing).
    expect(a.heldBytes).toBe(EXCHANGE_OVERHEAD_BYTES + 2 + (4 + 4) + (1 + 4) + 2 * 256 * KiB)
    expect(memory.reserve(exchange())).toBe(false)
    expect(memory.heldBytes).toBe(a.heldBytes)
    expect(memory.hasRoom()).toBe(false)

    // Both sides answer 1 KiB: the reservation becomes what was captured.
    memory.settled(a, answer(KiB))
    memory.settled(a, answer(KiB))
    expect(a.heldBytes).toBe(EXCHANGE_OVERHEAD_BYTES + 15 + 2 * KiB)
    memory.release(a)
    expect(memory.heldBytes).toBe(0)
  })

  it('learns the body size from answers (a decaying maximum) and holds many more small exchanges', () => {
    const memory = new MirrorMemory(64 * 1024 * KiB, 256 * KiB)
    const before = memory.capacity()
    for (let i = 0; i < 1000; i++) {
      const e = exchange()
      memory.reserve(e)
      memory.settled(e, answer(600))
      memory.settled(e, answer(600))
      memory.release(e)
    }
    expect(before).toBeLessThan(130)
    expect(memory.capacity()).toBeGreaterThan(5000)
    // One large answer raises the estimate at once.
    const big = exchange()
    memory.reserve(big)
    memory.settled(big, answer(200 * KiB))
    expect(memory.perExchange()).toBeGreaterThan(2 * 200 * KiB)
  })

  it('counts the request copy: a large request body takes its bytes from the budget', () => {
    const memory = new MirrorMemory(1024 * KiB, 1 * KiB)
    const e = exchange(900 * KiB)
    expect(memory.reserve(e)).toBe(true)
    expect(e.heldBytes).toBeGreaterThan(900 * KiB)
    expect(memory.reserve(exchange(200 * KiB))).toBe(false)
  })
})

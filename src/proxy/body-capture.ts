/**
 * Keeps a bounded copy of a body that streams past: the first `cap` bytes for
 * comparison, and, only once the body outgrows the cap, a SHA-256 of the whole
 * body so two large bodies can still be compared exactly. Small bodies never
 * pay for hashing. Hashing stops past `maxHashedBytes` (mirror.maxResponseBytes):
 * the mirror cuts a candidate body there anyway, so hashing a huge served body
 * further would spend the client path's CPU on a hash nobody compares.
 */
import { createHash, type Hash } from 'node:crypto'
import type { HeaderMap, SideResult } from '../types.js'

export interface CapturedBody {
  body: Buffer
  size: number
  complete: boolean
  sha256?: string
  /** Why no hash covers the whole body (it outgrew maxHashedBytes). */
  cut?: string
}

export class BodyCapture {
  #cap: number
  #chunks: Buffer[] = []
  #kept = 0
  #size = 0
  #hash: Hash | null = null
  #maxHashed: number
  #overBudget = false

  constructor(cap: number, maxHashedBytes = Number.POSITIVE_INFINITY) {
    this.#cap = cap
    this.#maxHashed = maxHashedBytes
  }

  get size(): number {
    return this.#size
  }

  push(chunk: Buffer): void {
    this.#size += chunk.length
    if (this.#overBudget) return
    if (this.#size > this.#maxHashed) {
      this.#overBudget = true
      this.#hash = null
      return
    }
    if (this.#hash !== null) {
      this.#hash.update(chunk)
      return
    }
    if (this.#kept + chunk.length <= this.#cap) {
      this.#chunks.push(chunk)
      this.#kept += chunk.length
      return
    }
    // Crossing the cap: hash what was kept, keep only up to the cap.
    this.#hash = createHash('sha256')
    for (const kept of this.#chunks) this.#hash.update(kept)
    this.#hash.update(chunk)
    const room = this.#cap - this.#kept
    if (room > 0) {
      this.#chunks.push(chunk.subarray(0, room))
      this.#kept += room
    }
  }

  finish(): CapturedBody {
    const body = this.#chunks.length === 1 ? this.#chunks[0] : Buffer.concat(this.#chunks, this.#kept)
    if (this.#overBudget) {
      return { body, size: this.#size, complete: false, cut: `body longer than mirror.maxResponseBytes (${this.#maxHashed} bytes): not hashed` }
    }
    if (this.#hash === null) return { body, size: this.#size, complete: true }
    return { body, size: this.#size, complete: false, sha256: this.#hash.digest('hex') }
  }

  /** The side's answer, once its body has ended: status, headers, the capture, and the time since `startedAt`. */
  result(status: number, headers: HeaderMap, startedAt: number): SideResult {
    const { body, size, complete, sha256, cut } = this.finish()
    return { ok: true, status, headers, body, size, complete, sha256, ...(cut !== undefined && { cut }), latencyMs: performance.now() - startedAt }
  }
}

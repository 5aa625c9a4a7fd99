/**
 * The bounded queue of divergent-exchange rows waiting for the next flush:
 * bounded in rows and in bytes, so a slow or failing database costs examples
 * (counted) but never unbounded memory, and never blocks the caller.
 */
import type { DetailRow } from './store-writer.js'

/** Rough in-memory size of a row: its bodies plus a fixed allowance for the rest. */
function rowBytes(row: DetailRow): number {
  return (row.primary_body?.length ?? 0) + (row.candidate_body?.length ?? 0) + (row.request_body?.length ?? 0) + 1024
}

export class DetailQueue {
  #rows: DetailRow[] = []
  #bytes = 0
  #maxRows: number
  #maxBytes: number
  #dropped = 0

  constructor(maxRows: number, maxBytes: number) {
    this.#maxRows = maxRows
    this.#maxBytes = maxBytes
  }

  /** True when there is room; a refused row is counted in `dropped`. */
  hasRoom(): boolean {
    if (this.#rows.length < this.#maxRows && this.#bytes < this.#maxBytes) return true
    this.#dropped++
    return false
  }

  push(row: DetailRow): void {
    this.#rows.push(row)
    this.#bytes += rowBytes(row)
  }

  /** Empties the queue, returning its rows (oldest first). */
  take(): DetailRow[] {
    const rows = this.#rows
    this.#rows = []
    this.#bytes = 0
    return rows
  }

  /** Puts rows of a failed flush back in front, as many as the bounds allow; the rest are dropped. */
  putBack(rows: readonly DetailRow[]): void {
    const room = Math.max(0, this.#maxRows - this.#rows.length)
    const keep = rows.slice(0, room)
    this.#dropped += rows.length - keep.length
    this.#rows = [...keep, ...this.#rows]
    this.#bytes = this.#rows.reduce((n, r) => n + rowBytes(r), 0)
  }

  get length(): number {
    return this.#rows.length
  }

  /** Rows refused or dropped so far. */
  get dropped(): number {
    return this.#dropped
  }
}

/**
 * The SQLite engine of the recorder: one file, written synchronously in one
 * IMMEDIATE transaction per flush (store-writer.ts), pruned in small steps
 * (retention.ts).
 */
import type { Database } from 'better-sqlite3'
import { createLearnedNoiseWriter, readLearnedNoise } from './learned-noise.js'
import type { LearnedNoiseBatch } from './learned-noise.js'
import { createRetention } from './retention.js'
import type { RetentionOptions } from './retention.js'
import type { StoreEngine } from './store-engine.js'
import { createWriter } from './store-writer.js'
import type { Batch } from './store-writer.js'

export class SqliteEngine implements StoreEngine {
  readonly kind = 'sqlite' as const
  readonly name: string
  readonly db: Database
  #writer: ReturnType<typeof createWriter>
  #retention: ReturnType<typeof createRetention>
  #learned: ((batch: LearnedNoiseBatch) => void) | null = null

  constructor(db: Database, retention: Required<RetentionOptions>) {
    this.db = db
    this.name = db.name
    this.#retention = createRetention(db, retention)
    this.#writer = createWriter(db, (row) => this.#retention.onExampleInserted(row))
  }

  rowsWritten = 0

  write(batch: Batch): void {
    this.rowsWritten += this.#writer.write(batch)
  }

  writeFailed(): void {
    this.#retention.reset()
  }

  readLearned(): LearnedNoiseBatch {
    return readLearnedNoise(this.db)
  }

  writeLearned(batch: LearnedNoiseBatch): void {
    this.#learned ??= createLearnedNoiseWriter(this.db)
    this.#learned(batch)
  }

  pruneDue(now: number): boolean {
    return this.#retention.due(now)
  }

  prune(now: number): void {
    this.db.transaction(() => this.#retention.step(now)).immediate()
  }

  close(): void {
    this.db.close()
  }
}

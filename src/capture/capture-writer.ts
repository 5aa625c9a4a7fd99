/**
 * Appends capture lines to the capture file, off the client's path: one
 * write per batch, a size cap that stops (or rotates) the capture, and a
 * failing disk that costs lines, counted and logged, never an exception.
 *
 * A write that fails part-way (ENOSPC) would leave half a line that every
 * later reader trips over: the file is cut back to the last whole line.
 * After a failure the file is opened again on the next batch, so a disk that
 * frees up, or a folder that appears, resumes the capture by itself.
 */
import { open, rename, stat, type FileHandle } from 'node:fs/promises'
import type { Logger } from 'pino'

export interface CaptureWriterOptions {
  file: string
  /** 0: no cap. */
  maxBytes: number
  rotate: boolean
}

export interface CaptureWriterStats {
  /** Lines in the file (this process's). */
  written: number
  /** Lines lost to a failing file system (unwritable, full, missing folder). */
  failed: number
  /** Lines left out because the file reached capture.maxBytes. */
  overCap: number
  /** Times the file was moved to FILE.1 at the cap. */
  rotations: number
  /** The file's size in bytes, as far as this process knows. */
  bytes: number
  lastError: string | null
}

/** Failures are logged at most this often (with the count since the last log line). */
const LOG_EVERY_MS = 10_000

export class CaptureWriter {
  #opts: CaptureWriterOptions
  #logger: Logger
  #fh: FileHandle | null = null
  #stopped = false
  #lastLog = 0
  #unlogged = 0
  readonly stats: CaptureWriterStats = { written: 0, failed: 0, overCap: 0, rotations: 0, bytes: 0, lastError: null }

  constructor(opts: CaptureWriterOptions, logger: Logger) {
    this.#opts = opts
    this.#logger = logger
  }

  /** True once the cap stopped the capture: the sink then stops queueing. */
  get stopped(): boolean {
    return this.#stopped
  }

  /** Writes whole lines (each ends in '\n'); never throws. */
  async write(lines: Buffer[]): Promise<void> {
    if (this.#stopped) {
      this.stats.overCap += lines.length
      return
    }
    let batch: Buffer[] = []
    let size = 0
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]
      const cap = this.#opts.maxBytes
      if (cap > 0 && this.stats.bytes + size + line.length > cap) {
        // Flush what fits, then rotate or stop.
        if (batch.length > 0 && !(await this.#append(batch, size))) {
          this.stats.failed += lines.length - i
          return
        }
        batch = []
        size = 0
        if (!this.#opts.rotate || line.length > cap) {
          this.#stop(lines.length - i)
          return
        }
        if (!(await this.#rotate())) {
          this.stats.failed += lines.length - i
          return
        }
      }
      batch.push(line)
      size += line.length
    }
    if (batch.length > 0) await this.#append(batch, size)
  }

  async close(): Promise<void> {
    const fh = this.#fh
    this.#fh = null
    await fh?.close().catch(() => {})
  }

  async #append(batch: Buffer[], size: number): Promise<boolean> {
    try {
      const fh = await this.#handle()
      const data = batch.length === 1 ? batch[0] : Buffer.concat(batch, size)
      // A write near a full disk can land in part without an error: write the rest, which then fails.
      for (let done = 0; done < data.length; ) {
        const { bytesWritten } = await fh.write(data, done, data.length - done)
        if (bytesWritten === 0) throw Object.assign(new Error('no space left on device (short write)'), { code: 'ENOSPC' })
        done += bytesWritten
      }
      this.stats.bytes += size
      this.stats.written += batch.length
      return true
    } catch (err) {
      this.stats.failed += batch.length
      await this.#fail(err as NodeJS.ErrnoException, batch.length)
      return false
    }
  }

  async #handle(): Promise<FileHandle> {
    if (this.#fh !== null) return this.#fh
    const fh = await open(this.#opts.file, 'a')
    try {
      // Appending to an earlier capture (or after a failure): the file's bytes count against the cap.
      this.stats.bytes = (await fh.stat()).size
    } catch (err) {
      await fh.close().catch(() => {})
      throw err
    }
    this.#fh = fh
    return fh
  }

  async #rotate(): Promise<boolean> {
    try {
      await this.close()
      await rename(this.#opts.file, `${this.#opts.file}.1`)
      this.stats.bytes = 0
      this.stats.rotations++
      this.#logger.info({ file: this.#opts.file, rotatedTo: `${this.#opts.file}.1` }, 'capture file reached capture.maxBytes; rotated')
      return true
    } catch (err) {
      await this.#fail(err as NodeJS.ErrnoException, 0)
      return false
    }
  }

  #stop(left: number): void {
    this.#stopped = true
    this.stats.overCap += left
    this.#logger.warn({ file: this.#opts.file, maxBytes: this.#opts.maxBytes, bytes: this.stats.bytes }, 'capture file reached capture.maxBytes; capture stopped (set capture.rotate to keep capturing)')
  }

  async #fail(err: NodeJS.ErrnoException, lost: number): Promise<void> {
    this.stats.lastError = `${err.code ?? 'ERROR'}: ${err.message}`
    const fh = this.#fh
    this.#fh = null
    if (fh !== null) {
      // Cut a half-written line off, so the file stays one whole record per line.
      await fh.truncate(this.stats.bytes).catch(() => {})
      await fh.close().catch(() => {})
    } else {
      // The size may be unknown (never opened): learn it again on the next open.
      await stat(this.#opts.file).then((s) => (this.stats.bytes = s.size), () => {})
    }
    this.#unlogged += lost
    const now = Date.now()
    if (now - this.#lastLog < LOG_EVERY_MS) return
    this.#lastLog = now
    this.#logger.error({ file: this.#opts.file, err: this.stats.lastError, lostLines: this.#unlogged, failedTotal: this.stats.failed }, 'capture file write failed; lines lost (clients are not affected)')
    this.#unlogged = 0
  }
}

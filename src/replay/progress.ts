/**
 * Replay progress on stderr. On a terminal: one line rewritten in place a
 * few times a second. Elsewhere (CI logs): a plain line every few seconds,
 * so a log stays readable and still shows the run is alive.
 *
 *   replay: sent 1,200 · compared 1,180 · divergent 3 · errors 0 · 812/s · 42% · ETA 9s
 */

export interface ProgressSnapshot {
  sent: number
  compared: number
  divergent: number
  errors: number
  /** Share of the input read, 0–1 (bytes), or null when unknown. */
  fraction: number | null
}

export interface ProgressOptions {
  out: NodeJS.WritableStream & { isTTY?: boolean }
  /** Plain lines this often when `out` is not a terminal. */
  plainEveryMs?: number
  now?: () => number
}

export class Progress {
  #out: ProgressOptions['out']
  #tty: boolean
  #now: () => number
  #started: number
  #timer: NodeJS.Timeout | null = null
  #read: () => ProgressSnapshot

  constructor(read: () => ProgressSnapshot, opts: ProgressOptions) {
    this.#read = read
    this.#out = opts.out
    this.#tty = opts.out.isTTY === true
    this.#now = opts.now ?? Date.now
    this.#started = this.#now()
    const every = this.#tty ? 250 : (opts.plainEveryMs ?? 5_000)
    this.#timer = setInterval(() => this.#draw(), every)
    this.#timer.unref()
  }

  /** Stops the updates and leaves the last state on its own line. */
  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
    // The final counts, on a line of their own (a CI log ends with them too).
    this.#draw()
    if (this.#tty) this.#out.write('\n')
  }

  #draw(): void {
    const line = formatProgress(this.#read(), this.#now() - this.#started)
    this.#out.write(this.#tty ? `\r\x1b[K${line}` : `${line}\n`)
  }
}

export function formatProgress(s: ProgressSnapshot, elapsedMs: number): string {
  const n = (x: number) => x.toLocaleString('en-US')
  const rate = elapsedMs > 0 ? Math.round((s.sent * 1000) / elapsedMs) : 0
  const parts = [`sent ${n(s.sent)}`, `compared ${n(s.compared)}`, `divergent ${n(s.divergent)}`, `errors ${n(s.errors)}`, `${n(rate)}/s`]
  if (s.fraction !== null && s.fraction > 0) {
    parts.push(`${Math.floor(s.fraction * 100)}%`)
    const eta = (elapsedMs * (1 - s.fraction)) / s.fraction / 1000
    if (s.fraction < 1) parts.push(`ETA ${eta < 90 ? `${Math.ceil(eta)}s` : `${Math.ceil(eta / 60)}m`}`)
  }
  return `replay: ${parts.join(' · ')}`
}

/**
 * What `serve` and `compare` tell a person at a terminal (`--log-format
 * pretty`, the default on a TTY), on stderr: a startup banner (where to
 * point clients, the admin API, the database, the capture file, the rules,
 * the mode, what is mirrored), a one-line progress summary every few seconds
 * while traffic flows, and a final tally on stop. In json mode none of this is printed:
 * the `shadowdiff listening` and `shadowdiff stopped` log records carry the
 * same facts for machines.
 *
 * It reads the counters the pipeline keeps anyway (PipelineStats) on a
 * timer, and watches compared exchanges for the volatile-fields hint, in
 * the compare stage's batches: nothing on the client's path.
 */
import type { App } from '../app.js'
import { clock } from '../logger.js'
import { fieldsOf } from '../store/divergence-fields.js'
import { volatileHint } from '../report/volatile-hint.js'
import { describeTraffic, duration } from './status-text.js'

/** Progress every 5 s, only when something was served since the last line. */
export const PROGRESS_INTERVAL_MS = 5_000
/** Divergent exchanges seen before the volatile-fields hint is judged. */
const HINT_AFTER = 20
/** Distinct fields counted for the hint at most (a bound, like every buffer). */
const MAX_FIELDS = 1_000

const n = (x: number) => x.toLocaleString('en-US')

export interface ConsoleReporterOptions {
  out?: NodeJS.WritableStream
  intervalMs?: number
  now?: () => number
  receiver?: boolean
}

export class ConsoleReporter {
  #app: App
  #out: NodeJS.WritableStream
  #intervalMs: number
  #now: () => number
  #receiver: boolean
  #timer: NodeJS.Timeout | undefined
  #startedAt = 0
  #last = { at: 0, served: 0 }
  #fields = new Map<string, number>()
  #divergentSeen = 0
  #rulesMatched = false
  #hinted = false
  #muted = false

  constructor(app: App, opts: ConsoleReporterOptions = {}) {
    this.#app = app
    this.#out = opts.out ?? process.stderr
    this.#intervalMs = opts.intervalMs ?? PROGRESS_INTERVAL_MS
    this.#now = opts.now ?? Date.now
    this.#receiver = opts.receiver ?? false
    app.compare.observe((exchange) => {
      if (exchange.divergences.length === 0) return
      this.#divergentSeen++
      if (exchange.rules.length > 0) this.#rulesMatched = true
      for (const { field } of fieldsOf(exchange.divergences)) {
        if (this.#fields.has(field) || this.#fields.size < MAX_FIELDS) this.#fields.set(field, (this.#fields.get(field) ?? 0) + 1)
      }
    })
  }

  /** The startup banner; then progress lines until stop(). */
  start(urls: { proxyUrl: string; adminUrl: string }): void {
    this.#startedAt = this.#now()
    this.#last = { at: this.#startedAt, served: this.#app.stats.served }
    this.#write(this.banner(urls))
    this.#timer = setInterval(() => this.progress(), this.#intervalMs)
    this.#timer.unref()
  }

  banner({ proxyUrl, adminUrl }: { proxyUrl: string; adminUrl: string }): string {
    const c = this.#app.config
    const rules = this.#app.rules.status()
    const rows: [string, string][] = []
    if (this.#receiver) {
      rows.push(['receiving', `${proxyUrl}: gateway copies are answered 204, then both sides are called`])
      rows.push(['primary', c.primary])
    } else {
      rows.push(['clients', `${proxyUrl} → primary ${c.primary}`])
    }
    const sample = c.mirror.sample < 100 ? `${c.mirror.sample}% of ` : ''
    const what = this.#receiver ? 'copies replayed to it and compared' : 'requests mirrored and compared'
    rows.push(['candidate', `${c.candidate}: ${sample}${c.mirror.methods.join(', ')} ${what} (timeout ${c.mirror.timeoutMs} ms)`])
    rows.push(['secondary', c.secondary ? `${c.secondary}: noise cancellation on` : 'none (noise cancellation off; --secondary URL)'])
    rows.push(['admin', `${adminUrl}  (shadowdiff status --admin ${adminUrl})`])
    rows.push(['database', c.db])
    if (c.capture.file !== null) {
      const share = c.capture.sample < 100 ? `${c.capture.sample}% of ` : ''
      rows.push(['capture', `${c.capture.file}: ${share}${c.capture.methods.join(', ')} requests, redacted (for shadowdiff replay)`])
    }
    rows.push(['rules', rules.source ? `${rules.rules} rule${rules.rules === 1 ? '' : 's'} from ${rules.source} (reloaded on change and SIGHUP)` : 'none: every difference counts (--rules PATH; shadowdiff rules suggest proposes some)'])
    if (!this.#receiver) rows.push(['mode', describeTraffic(this.#app.traffic.state)])
    const width = Math.max(...rows.map(([k]) => k.length)) + 2
    return [
      `shadowdiff ${this.#receiver ? 'compare' : 'serve'} is running`,
      ...rows.map(([k, v]) => `  ${k.padEnd(width)}${v}`),
      `Progress every ${Math.round(this.#intervalMs / 1000)} s while traffic flows; Ctrl-C stops gracefully.`,
    ].join('\n')
  }

  /** One line, when something was served since the last one (and the hint, the first time it applies). */
  progress(): void {
    const s = this.#app.stats
    const now = this.#now()
    if (s.served === this.#last.served) return
    const rate = ((s.served - this.#last.served) * 1000) / Math.max(1, now - this.#last.at)
    this.#last = { at: now, served: s.served }
    const divergent = `divergent ${n(s.divergent)}${s.compared ? ` (${((s.divergent / s.compared) * 100).toFixed(1)}%)` : ''}`
    const parts = [`served ${n(s.served)} (${rate.toFixed(rate < 10 ? 1 : 0)}/s)`, `compared ${n(s.compared)}`, divergent, `dropped ${n(s.dropped)}`]
    const hint = this.hint()
    if (hint) parts.push(`differences look like ids/timestamps: try 'shadowdiff rules suggest'`)
    this.#write(`${clock(now)} ${parts.join(' · ')}`)
    if (hint && !this.#hinted) {
      this.#hinted = true
      this.#write(`  hint: ${hint.message}`)
    }
  }

  /** The volatile-fields hint, once enough divergences were seen, while no rule is loaded or matched. */
  hint(): ReturnType<typeof volatileHint> {
    if (this.#divergentSeen < HINT_AFTER) return undefined
    const noRules = this.#app.rules.status().rules === 0 || !this.#rulesMatched
    const fields = [...this.#fields].map(([field, count]) => ({ field, count }))
    return volatileHint(fields, !noRules, this.#app.config.db)
  }

  /** Stops the progress lines and prints the final tally. */
  stop(): void {
    clearInterval(this.#timer)
    const s = this.#app.stats
    const took = duration(this.#now() - this.#startedAt)
    const rate = s.compared ? ` (${((s.divergent / s.compared) * 100).toFixed(1)}%)` : ''
    this.#write(
      [
        `shadowdiff stopped after ${took}: served ${n(s.served)}, compared ${n(s.compared)}, divergent ${n(s.divergent)}${rate}, ` +
          `dropped ${n(s.dropped)}, skipped ${n(s.skipped)}, not mirrored ${n(s.notMirrored)}`,
        s.compared > 0 ? `  next: shadowdiff report --db ${this.#app.config.db} --format html   (then open reports/report.html)` : '',
      ]
        .filter(Boolean)
        .join('\n'),
    )
  }

  /** No more output (the terminal is gone); progress stops. */
  mute(): void {
    this.#muted = true
    clearInterval(this.#timer)
  }

  #write(text: string): void {
    if (!this.#muted) this.#out.write(`${text}\n`)
  }
}

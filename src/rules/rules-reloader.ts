/**
 * Holds the rule set in force and swaps it atomically on reload. A new set
 * that fails validation is refused: the old one keeps serving and the error
 * is kept for /api/status and logged. Each request reads the set once, so a
 * reload never mixes two sets within one exchange.
 */
import { watch, type FSWatcher, statSync } from 'node:fs'
import type { Logger } from 'pino'
import type { RuleSet } from './types.js'
import { loadRuleSet } from './load-rules.js'

export interface ReloadStatus {
  source: string | null
  rules: number
  loadedAt: string
  reloads: number
  lastError: string | null
  lastErrorAt: string | null
}

export class RulesReloader {
  #path: string | null
  #current: RuleSet
  #logger: Logger
  #loadedAt = new Date()
  #reloads = 0
  #lastError: string | null = null
  #lastErrorAt: Date | null = null
  #watcher: FSWatcher | null = null
  #debounce: NodeJS.Timeout | null = null

  /** Loads the initial set; throws RulesInvalid when it is invalid (startup must fail loudly). */
  constructor(path: string | null, logger: Logger) {
    this.#path = path
    this.#logger = logger
    this.#current = loadRuleSet(path ?? undefined)
  }

  /** The set in force. Cheap: called once per request. */
  readonly current = (): RuleSet => this.#current

  /** Reloads from disk. Returns true when the new set took effect. */
  reload(cause: string): boolean {
    try {
      this.#current = loadRuleSet(this.#path ?? undefined)
      this.#loadedAt = new Date()
      this.#reloads++
      this.#lastError = null
      this.#lastErrorAt = null
      this.#logger.info({ cause, rules: this.#current.size }, 'rules reloaded')
      return true
    } catch (err) {
      this.#lastError = (err as Error).message
      this.#lastErrorAt = new Date()
      this.#logger.error({ cause, err: this.#lastError }, 'rules reload refused; the previous rules stay in force')
      return false
    }
  }

  /** Reloads when the rule file or folder changes (debounced: editors write in bursts). */
  watch(): void {
    if (this.#path === null || this.#watcher !== null) return
    try {
      statSync(this.#path)
      this.#watcher = watch(this.#path, { persistent: false }, () => {
        if (this.#debounce) clearTimeout(this.#debounce)
        this.#debounce = setTimeout(() => this.reload('file change'), 200)
        this.#debounce.unref()
      })
      this.#watcher.on('error', (err) => this.#logger.warn({ err: err.message }, 'rules watcher failed; SIGHUP and POST /api/rules/reload still work'))
    } catch (err) {
      this.#logger.warn({ err: (err as Error).message }, 'cannot watch rules; SIGHUP and POST /api/rules/reload still work')
    }
  }

  close(): void {
    this.#watcher?.close()
    this.#watcher = null
    if (this.#debounce) clearTimeout(this.#debounce)
  }

  status(): ReloadStatus {
    return {
      source: this.#path,
      rules: this.#current.size,
      loadedAt: this.#loadedAt.toISOString(),
      reloads: this.#reloads,
      lastError: this.#lastError,
      lastErrorAt: this.#lastErrorAt?.toISOString() ?? null,
    }
  }
}

/**
 * The promotion driver's lease: `pg_try_advisory_lock(promotionDriver)` on
 * a session of its own. The lock lives exactly as long as that session, so
 * when the driving instance dies (kill -9, a crash, a lost network) its
 * session ends, PostgreSQL frees the lock, and the next instance to try
 * (every `retryMs`) takes over. The holder checks its session every
 * `retryMs` and steps down at the first failure; its writes are fenced
 * anyway (FleetStore.commitAsDriver checks this session still holds the
 * lock in the same transaction), so two drivers never both write.
 */
import pg from 'pg'

export interface DriverLeaseOptions {
  url: string
  key: number
  retryMs: number
  onAcquired: (pid: number) => void
  onLost: (reason: string) => void
  onError: (err: unknown) => void
}

export class DriverLease {
  #options: DriverLeaseOptions
  #client: pg.Client | null = null
  #timer: NodeJS.Timeout | undefined
  #closed = false
  /** The backend pid of the session holding the lock, or 0 when not held. */
  pid = 0

  constructor(options: DriverLeaseOptions) {
    this.#options = options
  }

  get held(): boolean {
    return this.pid !== 0
  }

  start(): void {
    void this.#tick()
  }

  /** Gives the lease up (its session ends, so the lock is freed at once) and stops trying. */
  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#timer)
    const client = this.#client
    this.#client = null
    this.pid = 0
    await client?.end().catch(() => {})
  }

  /** Ends the session and competes again from scratch: a driver whose write failed steps down this way. */
  stepDown(reason: string): void {
    this.#drop(reason)
  }

  async #tick(): Promise<void> {
    if (this.#closed) return
    try {
      const client = this.#client ?? (await this.#connect())
      if (this.held) {
        await client.query('SELECT 1')
      } else {
        const { rows } = await client.query('SELECT pg_try_advisory_lock($1) AS got, pg_backend_pid() AS pid', [this.#options.key])
        if (rows[0].got && !this.#closed && this.#client === client) {
          this.pid = Number(rows[0].pid)
          this.#options.onAcquired(this.pid)
        }
      }
    } catch (err) {
      this.#options.onError(err)
      this.#drop(`the lease session failed: ${(err as Error).message}`)
    }
    if (!this.#closed) this.#timer = setTimeout(() => void this.#tick(), this.#options.retryMs).unref()
  }

  async #connect(): Promise<pg.Client> {
    // query_timeout: a heartbeat that hangs (a silent network) counts as a lost session.
    const client = new pg.Client({ connectionString: this.#options.url, application_name: 'shadowdiff-lease', connectionTimeoutMillis: 2000, query_timeout: 2000, keepAlive: true })
    client.on('error', (err) => {
      if (this.#client !== client) return
      this.#options.onError(err)
      this.#drop(`the lease session failed: ${err.message}`)
    })
    this.#client = client
    try {
      await client.connect()
    } catch (err) {
      this.#client = null
      client.end().catch(() => {})
      throw err
    }
    return client
  }

  #drop(reason: string): void {
    const client = this.#client
    this.#client = null
    const wasHeld = this.held
    this.pid = 0
    client?.end().catch(() => {})
    if (wasHeld) this.#options.onLost(reason)
  }
}

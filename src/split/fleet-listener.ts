/**
 * Hears of fleet changes: LISTEN on a connection of its own (NOTIFY arrives
 * in milliseconds), and a poll every `pollMs` as the fallback for what
 * LISTEN misses. A notification is lost for good when it is sent while the
 * connection is down (PostgreSQL queues them per listening session), so the
 * poll, and a catch-up read on every reconnect, are what guarantee a change
 * reaches this instance within `pollMs` plus one query.
 */
import pg from 'pg'
import { CHANNELS } from './fleet-schema.js'

/** Where a refresh was asked from: shown in /api/status so a test (and an operator) can tell the paths apart. */
export type RefreshSource = 'notify' | 'poll' | 'reconnect'

export interface FleetListenerOptions {
  url: string
  pollMs: number
  reconnectMs?: number
  /** A revision may be newer than the one applied: read and apply it. */
  onRevision: (source: RefreshSource) => void
  /** A relayed promotion command was queued (only the driver acts on it). */
  onCommand: (id: number) => void
  onError: (err: unknown) => void
}

export class FleetListener {
  #options: FleetListenerOptions
  #client: pg.Client | null = null
  #poll: NodeJS.Timeout | undefined
  #retry: NodeJS.Timeout | undefined
  #closed = false
  /** True while the LISTEN connection is up. */
  connected = false
  /** How many times the LISTEN connection was re-established after it dropped. */
  reconnects = 0

  constructor(options: FleetListenerOptions) {
    this.#options = options
  }

  start(): void {
    this.#poll = setInterval(() => this.#options.onRevision('poll'), this.#options.pollMs).unref()
    void this.#connect(false)
  }

  async close(): Promise<void> {
    this.#closed = true
    clearInterval(this.#poll)
    clearTimeout(this.#retry)
    const client = this.#client
    this.#client = null
    this.connected = false
    await client?.end().catch(() => {})
  }

  async #connect(again: boolean): Promise<void> {
    const client = new pg.Client({ connectionString: this.#options.url, application_name: 'shadowdiff-listen', connectionTimeoutMillis: 2000, keepAlive: true })
    const lost = (err?: unknown) => {
      if (this.#client !== client) return
      this.#client = null
      this.connected = false
      if (err !== undefined) this.#options.onError(err)
      client.end().catch(() => {})
      this.#scheduleReconnect()
    }
    client.on('error', lost)
    client.on('end', () => lost())
    client.on('notification', (msg) => {
      if (msg.channel === CHANNELS.revision) this.#options.onRevision('notify')
      else if (msg.channel === CHANNELS.command && msg.payload) this.#options.onCommand(Number(msg.payload))
    })
    this.#client = client
    try {
      await client.connect()
      await client.query(`LISTEN ${CHANNELS.revision}; LISTEN ${CHANNELS.command}`)
    } catch (err) {
      return lost(err)
    }
    if (this.#closed) return void client.end().catch(() => {})
    this.connected = true
    if (again) {
      this.reconnects++
      // Whatever was notified while we were away is gone: read the state once now.
      this.#options.onRevision('reconnect')
    }
  }

  #scheduleReconnect(): void {
    if (this.#closed) return
    clearTimeout(this.#retry)
    this.#retry = setTimeout(() => void this.#connect(true), this.#options.reconnectMs ?? 500).unref()
  }
}

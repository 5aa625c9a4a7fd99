/** The audit trail (mode and weight changes, promotions, rollbacks), oldest first. */
import type { AuditEvent } from '../report/report-types.js'
import { openDatabase } from './open-database.js'

export function listEvents(source: string, opts: { since?: number; limit?: number } = {}): AuditEvent[] {
  const db = openDatabase(source, { readonly: true })
  try {
    const rows = db
      .prepare('SELECT at, type, actor, cause, data FROM events WHERE at >= ? ORDER BY at ASC, rowid ASC LIMIT ?')
      .all(opts.since ?? 0, opts.limit ?? 1000) as { at: number; type: string; actor: string; cause: string; data: string | null }[]
    return rows.map((e) => ({
      at: new Date(e.at).toISOString(),
      type: e.type,
      actor: e.actor,
      cause: e.cause,
      ...(e.data !== null && { data: JSON.parse(e.data) as Record<string, unknown> }),
    }))
  } finally {
    db.close()
  }
}

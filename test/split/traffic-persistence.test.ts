import Database from 'better-sqlite3'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { AuditEvent } from '../../src/split/audit-event.js'
import { persistTraffic, PromotionStore, TrafficStore } from '../../src/split/promotion-store.js'
import { TrafficMode } from '../../src/split/traffic-mode.js'

function memoryDb() {
  const db = new Database(':memory:')
  onTestFinished(() => void db.close())
  return db
}

describe('traffic state persistence', () => {
  it('restores the last traffic state after a restart, with an audit event', () => {
    const db = memoryDb()
    const before = new TrafficMode()
    persistTraffic(before, db)
    before.set({ mode: 'split', weight: 12.5 }, { actor: 'operator', cause: 'manual canary' })

    const after = new TrafficMode()
    const events: AuditEvent[] = []
    after.subscribe((e) => events.push(e))
    persistTraffic(after, db)
    expect(after.state).toEqual({ mode: 'split', weight: 12.5, reverseShadow: false })
    expect(events).toMatchObject([{ type: 'mode', actor: 'restart' }])
  })

  it('saves rollbacks too, so a restart after a rollback stays in shadow', () => {
    const db = memoryDb()
    const before = new TrafficMode()
    persistTraffic(before, db)
    before.set({ mode: 'candidate' }, { actor: 'operator', cause: 'go' })
    before.rollback('rollback-monitor', '5xx')
    const after = new TrafficMode({ mode: 'split', weight: 40 })
    persistTraffic(after, db)
    expect(after.state.mode).toBe('shadow')
  })

  it('starts from the given state when nothing was stored or the row has another schema version', () => {
    const db = memoryDb()
    const traffic = new TrafficMode()
    persistTraffic(traffic, db)
    expect(traffic.state.mode).toBe('shadow')
    db.prepare(`INSERT INTO split_traffic (id, version, state, updated_at) VALUES (1, 999, '{"mode":"candidate"}', 0)`).run()
    expect(new TrafficStore(db).load()).toBeUndefined()
  })

  it('throws a clear error when a stored row is not JSON', () => {
    const db = memoryDb()
    const store = new PromotionStore(db)
    db.prepare(`INSERT INTO split_promotion (id, version, state, updated_at) VALUES (1, 1, '{oops', 0)`).run()
    expect(() => store.load()).toThrow(/Cannot open database :memory:: split_promotion holds invalid JSON/)
  })
})

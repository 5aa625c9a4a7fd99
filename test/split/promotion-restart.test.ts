import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it, onTestFinished } from 'vitest'
import { FakeScheduler } from './fake-scheduler.js'
import { harness, MINUTE } from './promotion-harness.js'

function dbFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-split-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  return join(dir, 'shadowdiff.db')
}

/** Opens the db file as a restarted process would: new handle, new traffic state, new promotion. */
function reopen(file: string, clock: FakeScheduler) {
  const db = new Database(file)
  onTestFinished(() => void db.close())
  return harness({ db, clock })
}

describe('promotion survives a restart', () => {
  it('resumes at step 2 with the remaining interval, not at step 1 nor at 100', async () => {
    const file = dbFile()
    const clock = new FakeScheduler()
    const first = reopen(file, clock)
    first.promotion.start({ steps: [1, 5, 25, 50, 100], intervalMs: 10 * MINUTE })
    await first.advance(10 * MINUTE) // now at step 2 (5%)
    const step2StartedAt = first.promotion.status().stepStartedAt!
    await first.advance(4 * MINUTE)
    first.promotion.close()
    first.db.close()

    clock.advance(2 * MINUTE) // the process is down for 2 minutes
    const second = reopen(file, clock)
    // The fresh traffic state is put back to the step's weight at once.
    expect(second.traffic.state).toEqual({ mode: 'split', weight: 5, reverseShadow: true })
    expect(second.promotion.status()).toMatchObject({ state: 'running', step: 2, weight: 5, stepStartedAt: step2StartedAt })
    expect(second.events[0]).toMatchObject({ type: 'mode', actor: 'promotion' })
    expect(second.events[1]).toMatchObject({ type: 'promotion', actor: 'restart' })

    // 10 − 4 − 2 = 4 minutes remain.
    await second.advance(4 * MINUTE - 1)
    expect(second.gateCalls).toEqual([])
    await second.advance(1)
    expect(second.gateCalls).toEqual([step2StartedAt])
    expect(second.promotion.status()).toMatchObject({ step: 3, weight: 25 })
    expect(second.promotion.status().history.map((e) => e.event)).toContain('resumed')
  })

  it('evaluates at once when the process was down past the interval, then continues step by step', async () => {
    const file = dbFile()
    const clock = new FakeScheduler()
    const first = reopen(file, clock)
    first.promotion.start({ steps: [1, 5, 25], intervalMs: MINUTE })
    first.promotion.close()
    first.db.close()

    clock.advance(60 * MINUTE)
    const second = reopen(file, clock)
    expect(second.traffic.state.weight).toBe(1)
    await second.advance(0)
    expect(second.gateCalls).toHaveLength(1)
    // One step forward, never a jump to the end.
    expect(second.promotion.status()).toMatchObject({ state: 'running', step: 2, weight: 5 })
  })

  it('stays paused after a restart', async () => {
    const file = dbFile()
    const clock = new FakeScheduler()
    const first = reopen(file, clock)
    first.promotion.start({ steps: [1, 5], intervalMs: MINUTE, pauseAt: [1] })
    await first.advance(MINUTE)
    expect(first.promotion.status().state).toBe('paused')
    first.promotion.close()
    first.db.close()

    const second = reopen(file, clock)
    await second.advance(60 * MINUTE)
    expect(second.promotion.status()).toMatchObject({ state: 'paused', step: 1, weight: 1 })
    expect(second.traffic.state.weight).toBe(1)
    await second.promotion.continue()
    expect(second.traffic.state.weight).toBe(5)
  })

  it('remembers a finished promotion without touching the traffic', async () => {
    const file = dbFile()
    const clock = new FakeScheduler()
    const first = reopen(file, clock)
    first.promotion.start({ steps: [5], intervalMs: MINUTE })
    await first.advance(MINUTE)
    first.promotion.close()
    first.db.close()

    const second = reopen(file, clock)
    expect(second.promotion.status()).toMatchObject({ state: 'succeeded', step: 1, weight: 5 })
    expect(second.events).toEqual([])
    expect(clock.pending).toBe(0)
  })
})

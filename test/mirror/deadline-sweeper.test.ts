import { describe, it, expect } from 'vitest'
import { DeadlineSweeper, type Expiring } from '../../src/mirror/deadline-sweeper.js'

function item(deadline: number, expired: string[], name: string): Expiring {
  return { deadline, expire: () => expired.push(name) }
}

describe('DeadlineSweeper', () => {
  it('expires what is past its deadline, oldest first, leaves the rest and stops its timer when empty', async () => {
    const sweeper = new DeadlineSweeper(100)
    expect(sweeper.intervalMs).toBe(5)
    const expired: string[] = []
    const now = performance.now()
    sweeper.add(item(now - 2, expired, 'a'))
    sweeper.add(item(now - 1, expired, 'b'))
    const gone = item(now, expired, 'd')
    sweeper.add(gone)
    sweeper.delete(gone)
    // Await the sweep through an expiry callback rather than a sleep.
    const swept = new Promise<void>((resolve) => sweeper.add({ deadline: now, expire: resolve }))
    const late = item(now + 60_000, expired, 'c')
    sweeper.add(late)
    await swept
    expect(expired).toEqual(['a', 'b'])
    expect(sweeper.size).toBe(1)
    sweeper.delete(late)
    expect(sweeper.size).toBe(0)
  })

  it('bounds the sweep interval between 5 ms and 250 ms', () => {
    expect(new DeadlineSweeper(10).intervalMs).toBe(5)
    expect(new DeadlineSweeper(1_000).intervalMs).toBe(50)
    expect(new DeadlineSweeper(30_000).intervalMs).toBe(250)
  })
})

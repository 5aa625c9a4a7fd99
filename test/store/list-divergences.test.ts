import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { getExchange, listDivergences } from '../../src/store/list-divergences.js'
import { openDatabase } from '../../src/store/open-database.js'
import { Recorder } from '../../src/store/recorder.js'
import { bodyDivergence, exchange, tempDir } from './fixtures.js'

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0)

function twoFiles() {
  const dir = tempDir()
  const files = [path.join(dir, 'a.db'), path.join(dir, 'b.db')]
  const recorders = files.map((f) => new Recorder(openDatabase(f), { flushIntervalMs: 0 }))
  for (let i = 0; i < 10; i++) {
    recorders[i % 2].recordCompared(
      exchange({
        id: `d${i}`,
        at: T0 + i * 1000,
        route: i < 6 ? '/api/users/:id' : '/api/orders',
        url: i < 6 ? `/api/users/${i}?expand=a%20b` : '/api/orders',
        candidateStatus: i === 0 ? 500 : 200,
        divergences: i === 0 ? [{ kind: 'status', primary: 200, candidate: 500 }, { kind: 'header', name: 'etag', primary: 'a', candidate: 'b' }] : [bodyDivergence('/items/2/name', `v${i}`)],
      }),
    )
  }
  // Equal exchanges are counted but never listed.
  recorders[0].recordCompared(exchange({ id: 'equal', at: T0 }))
  recorders.forEach((r) => r.close())
  return files
}

describe('listDivergences', () => {
  it('merges files newest first, with the url as sent, plural kinds, patch and latencies', () => {
    const files = twoFiles()
    const rows = listDivergences(files)
    expect(rows.map((r) => r.id)).toEqual(['d9', 'd8', 'd7', 'd6', 'd5', 'd4', 'd3', 'd2', 'd1', 'd0'])
    expect(rows[4]).toEqual({
      id: 'd5',
      at: new Date(T0 + 5000).toISOString(),
      method: 'GET',
      url: '/api/users/5?expand=a%20b',
      route: '/api/users/:id',
      primaryStatus: 200,
      candidateStatus: 200,
      verdict: 'divergent',
      kinds: ['body'],
      patch: [{ op: 'replace', path: '/items/2/name', value: 'v5' }],
      divergences: [bodyDivergence('/items/2/name', 'v5')],
      latencies: { primary: 10, candidate: 12 },
      fields: [{ field: '/items/*/name', op: 'replace' }],
      rules: [],
    })
    expect(rows[9]).toMatchObject({ kinds: ['status', 'headers'], candidateStatus: 500 })
    expect(rows[9].patch).toBeUndefined()
  })

  it('filters by route, method, window and limit, oldest first when asked', () => {
    const files = twoFiles()
    expect(listDivergences(files, { route: '/api/orders' }).map((r) => r.id)).toEqual(['d9', 'd8', 'd7', 'd6'])
    expect(listDivergences(files, { method: 'post' })).toEqual([])
    expect(listDivergences(files, { since: T0 + 2000, until: T0 + 5000 }).map((r) => r.id)).toEqual(['d4', 'd3', 'd2'])
    expect(listDivergences(files, { limit: 3, order: 'oldest' }).map((r) => r.id)).toEqual(['d0', 'd1', 'd2'])
    expect(() => listDivergences(files, { limit: -1 })).toThrow(/limit must be a non-negative integer, got -1/)
  })

  it('getExchange returns stored headers and bodies from whichever file holds the id', () => {
    const files = twoFiles()
    const ex = getExchange(files, 'd3')!
    expect(ex.source).toBe(files[1])
    expect(ex.primaryBody!.toString()).toBe('{"id":1}')
    expect(ex.candidateHeaders).toEqual({ 'content-type': 'application/json' })
    expect(ex.primaryContentType).toBe('application/json')
    expect(getExchange(files, 'nope')).toBeUndefined()
  })
})

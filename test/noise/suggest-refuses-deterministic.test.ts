/**
 * `rules suggest` never proposes to ignore, tolerate or reorder a difference
 * that looks deterministic: those are listed as likely regressions with
 * their evidence. Conversely, timestamps, ids and tokens are suggested by
 * their format even when they differ in only a few exchanges.
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { suggestRules } from '../../src/noise/suggest-rules.js'
import type { RecordedExchange, RouteSuggestions } from '../../src/noise/suggest-rules.js'
import { suggestWithImpact } from '../../src/noise/suggest-impact.js'
import { renderSuggestions } from '../../src/noise/suggest-yaml.js'
import { compileRules } from '../../src/rules/load-rules.js'

const T0 = Date.UTC(2025, 0, 1)

/** n recorded exchanges of GET /a/:id; `id(i)` is the request's id (repeats when two i share one). */
function recorded(
  n: number,
  body: (i: number, side: 'p' | 'c') => object,
  opts: { id?: (i: number) => number; headers?: (i: number, side: 'p' | 'c') => Record<string, string> } = {},
): RecordedExchange[] {
  return Array.from({ length: n }, (_, i) => {
    const id = opts.id?.(i) ?? i
    return {
      method: 'GET',
      route: '/a/:id',
      path: `/a/${id}`,
      url: `/a/${id}`,
      at: T0 + i * 1000,
      primaryStatus: 200,
      candidateStatus: 200,
      primaryHeaders: { 'content-type': 'application/json', ...opts.headers?.(i, 'p') },
      candidateHeaders: { 'content-type': 'application/json', ...opts.headers?.(i, 'c') },
      primaryBody: Buffer.from(JSON.stringify(body(i, 'p'))),
      candidateBody: Buffer.from(JSON.stringify(body(i, 'c'))),
    }
  })
}

const kinds = (r: RouteSuggestions) => r.suggestions.map((s) => `${s.kind} ${'pointer' in s ? s.pointer : s.header}`)
const jitter = () => (Math.random() - 0.5) * 1e-6

describe('rules suggest refuses deterministic differences', () => {
  it('a constant price delta on a subset of ids is no tolerance but a likely regression; float jitter still is a tolerance', () => {
    // 20 ids, each requested twice; every 5th id costs 0.05 more on the candidate.
    const [r] = suggestRules(
      recorded(40, (i, side) => ({ requestId: randomUUID(), price: 10.99 + (i % 20) + (side === 'c' && (i % 20) % 5 === 0 ? 0.05 : 0), load: 0.5 + jitter() }), { id: (i) => i % 20 }),
    )
    expect(kinds(r)).toEqual(['tolerance /load', 'format /requestId'])
    expect(r.likelyRegressions).toEqual([
      {
        field: '/price',
        refused: 'no tolerance suggested: it stays reported',
        evidence: expect.stringMatching(
          /^numbers differ in 8 of 40 recorded exchanges by a median of 0\.05 .*e\.g\. 10\.99 → 11\.04; the same change on every repeat of the same request: GET \/a\/0 2 times 10\.99 → 11\.04 \(and 3 more requests likewise\); a constant delta: \+0\.05 in all 8 numeric differences; confined to a subset of requests: on every repeat of GET \/a\/0, GET \/a\/5, GET \/a\/10, GET \/a\/15, never on 16 others recorded as often$/,
        ),
      },
    ])
  })

  it('a constant delta is refused even without repeats', () => {
    const [r] = suggestRules(recorded(10, (i, side) => ({ total: 100 + i + (side === 'c' ? 0.01 : 0) })))
    expect(kinds(r)).toEqual([])
    expect(r.likelyRegressions[0]).toMatchObject({ field: '/total', evidence: expect.stringContaining('a constant delta: +0.01 in all 10 numeric differences') })
  })

  it('a stable id the candidate answers differently, the same way on every repeat, is not compared by format', () => {
    const wrong = new Map<number, string>()
    const right = new Map<number, string>()
    const stable = (m: Map<number, string>, id: number) => m.get(id) ?? (m.set(id, randomUUID()), m.get(id)!)
    const [r] = suggestRules(recorded(20, (i, side) => ({ ownerId: stable(side === 'p' ? right : wrong, i % 10) }), { id: (i) => i % 10 }))
    expect(kinds(r)).toEqual([])
    expect(r.likelyRegressions).toEqual([
      { field: '/ownerId', refused: 'not suggested for format or ignore: it stays reported', evidence: expect.stringContaining('the same change on every repeat of the same request: GET /a/0 2 times') },
    ])
  })

  it('a header with one and the same change every time stays compared and is listed; a reorder that repeats is not suggested as unordered', () => {
    const [r] = suggestRules(
      recorded(10, (i, side) => ({ tags: side === 'p' ? ['a', 'b', 'c'] : ['c', 'b', 'a'] }), { id: (i) => i % 5, headers: (_i, side) => ({ 'x-side': side === 'p' ? 'blue' : 'green' }) }),
    )
    expect(kinds(r)).toEqual(['compare-header x-side'])
    expect(r.likelyRegressions.map((l) => [l.field, l.refused])).toEqual([
      ['/tags', 'not suggested as unordered: the order stays compared'],
      ['header x-side', 'compared by this rule (compare.headers), so it is reported, never ignored'],
    ])
    expect(r.likelyRegressions[1].evidence).toBe('differs in 10 of 10 recorded exchanges; the same change every time it differed ("blue" → "green")')
  })

  it('a millisecond timestamp that differs in only a few exchanges, or never, is compared by format: a clock reading', () => {
    const at = (i: number) => T0 + i * 1000 + 3
    // Differs in 2 of 30: the clock ticked between the two answers.
    const [few] = suggestRules(recorded(30, (i, side) => ({ servedAt: new Date(at(i) + (side === 'c' && (i === 4 || i === 17) ? 1 : 0)).toISOString(), requestId: randomUUID() })))
    expect(kinds(few)).toEqual(['format /requestId', 'format /servedAt'])
    const [never] = suggestRules(recorded(30, (i) => ({ servedAt: new Date(at(i)).toISOString(), requestId: randomUUID() })))
    expect(never.suggestions).toContainEqual({
      kind: 'format',
      pointer: '/servedAt',
      evidence: 'a clock reading: within 60 s of the request in 30 of 30 recorded exchanges (never differed); two instances read the clock apart whenever it ticks between their answers',
    })
    // A stored time (days before the request) is no clock reading.
    const [stored] = suggestRules(recorded(30, (i) => ({ createdAt: new Date(T0 - 86_400_000 * (i + 1)).toISOString(), requestId: randomUUID() })))
    expect(kinds(stored)).toEqual(['format /requestId'])
  })

  it('each rule says how many recorded divergent exchanges it would turn equal, with a few of them, and which stay divergent', () => {
    const list = recorded(10, (i, side) => ({ requestId: randomUUID(), name: side === 'c' && i === 7 ? 'Bob' : 'Ada' }))
    const routes = suggestWithImpact(list)
    expect(routes[0].impact).toEqual({ recorded: 10, turnedEqual: 9, equalExamples: ['GET /a/0', 'GET /a/1', 'GET /a/2'], stillDivergent: ['GET /a/7 (replace /name)'] })
    const text = renderSuggestions(routes, { sources: ['x.db'], generatedAt: '2025-01-01T00:00:00.000Z' })
    expect(text).toContain('    # would turn 9 of 10 recorded divergent exchanges equal, e.g. GET /a/0, GET /a/1, GET /a/2; 1 stays divergent, e.g. GET /a/7 (replace /name)\n')
    expect(() => compileRules([{ file: 'suggested.yaml', text }])).not.toThrow()
  })
})

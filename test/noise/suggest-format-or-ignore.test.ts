/**
 * `rules suggest` proposes comparing random-looking values by format: a
 * fresh id or timestamp is no difference, a change of format still is.
 * Only when the primary itself answers in several formats (a field that is
 * sometimes null) does it fall back to ignore, with a warning.
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { suggestRules } from '../../src/noise/suggest-rules.js'
import type { RecordedExchange, Suggestion } from '../../src/noise/suggest-rules.js'
import { renderSuggestions } from '../../src/noise/suggest-yaml.js'
import { compileRules } from '../../src/rules/load-rules.js'

const iso = (i: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString()

function recorded(n: number, body: (i: number, side: 'p' | 'c') => object, headers: (i: number, side: 'p' | 'c') => Record<string, string> = () => ({})): RecordedExchange[] {
  return Array.from({ length: n }, (_, i) => ({
    method: 'GET',
    route: '/a/:id',
    path: `/a/${i}`,
    primaryHeaders: headers(i, 'p'),
    candidateHeaders: headers(i, 'c'),
    primaryBody: Buffer.from(JSON.stringify(body(i, 'p'))),
    candidateBody: Buffer.from(JSON.stringify(body(i, 'c'))),
  }))
}

function suggestionsOf(list: RecordedExchange[]): Suggestion[] {
  const [route] = suggestRules(list)
  return route.suggestions
}

describe('rules suggest: format or ignore', () => {
  it('a value that kept its format in every recorded pair is compared by format, without a warning', () => {
    const s = suggestionsOf(recorded(10, () => ({ traceId: randomUUID() }), () => ({ 'x-request-id': randomUUID() })))
    expect(s).toEqual([
      { kind: 'format', pointer: '/traceId', evidence: expect.stringMatching(/^differs in 10 of 10 recorded exchanges, never the same value twice, 10 times as uuid → uuid/) },
      { kind: 'format-header', header: 'x-request-id', evidence: expect.stringMatching(/^volatile by nature: differs in 10 of 10 recorded exchanges, always as uuid/) },
    ])
  })

  it('a change to a format the primary never used keeps format, with a warning that it stays reported', () => {
    const s = suggestionsOf(recorded(10, (i, side) => ({ at: side === 'c' && i === 3 ? new Date(i * 1000).toUTCString() : iso(side === 'p' ? i : i + 30) })))
    expect(s).toEqual([
      {
        kind: 'format',
        pointer: '/at',
        evidence: expect.stringContaining('9 times as iso-datetime:T:s:f:Z → iso-datetime:T:s:f:Z'),
        warning: expect.stringMatching(/^in 1 exchanges the FORMAT changed \(iso-datetime:T:s:f:Z → http-date, .*comparing by format keeps reporting it; if the new format is intended, move this pointer to ignore\.body$/),
      },
    ])
  })

  it("a change to a format the primary itself answered with falls back to ignore, with today's warning", () => {
    // The primary's own /seenAt is null once: null is one of the field's formats, not a regression.
    const at = (i: number, side: 'p' | 'c') => (side === 'p' && i === 1) || (side === 'c' && i === 2) ? null : iso(side === 'p' ? i : i + 30)
    const s = suggestionsOf(recorded(10, (i, side) => ({ seenAt: at(i, side) })))
    expect(s).toEqual([
      {
        kind: 'ignore',
        pointer: '/seenAt',
        evidence: expect.stringContaining('8 times as iso-datetime:T:s:f:Z → iso-datetime:T:s:f:Z'),
        warning: expect.stringMatching(/FORMAT changed \(.*null.*\): that looks like a regression, and ignoring this field hides it$/),
      },
    ])
  })

  it('a header that changed format is left uncompared, and the rendered file is a valid rule file', () => {
    const routes = suggestRules(
      recorded(
        10,
        () => ({ id: randomUUID() }),
        (i, side) => ({ etag: side === 'p' ? `"${i}aaaaaaa"` : i === 0 ? `W/"${i}bbbbbbb"` : `"${i}bbbbbbb"` }),
      ),
    )
    expect(routes[0].suggestions.map((s) => s.kind)).toEqual(['format'])
    expect(routes[0].notCompared).toEqual([expect.stringMatching(/^etag \(volatile by nature: differs in 10 of 10/)])
    const text = renderSuggestions(routes, { sources: ['x.db'], generatedAt: '2025-01-01T00:00:00.000Z' })
    expect(text).toContain('    format:\n')
    expect(() => compileRules([{ file: 'suggested.yaml', text }])).not.toThrow()
  })
})

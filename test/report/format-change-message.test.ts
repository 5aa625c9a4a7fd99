/**
 * A difference found by a `format` rule says so in every report format:
 * the Markdown/JUnit diff and the HTML example name both formats.
 */
import { describe, expect, it } from 'vitest'
import { exampleDiff } from '../../src/report/body-diff.js'
import { renderExample } from '../../src/report/html-example.js'
import { compareResponses } from '../../src/diff/compare-responses.js'
import type { ExampleExchange } from '../../src/report/report-types.js'
import { json } from '../diff/responses.js'
import { policyOf } from '../diff/policies.js'

describe('format change messages in reports', () => {
  const p = json({ at: '2025-01-02T03:04:05.678Z' }, { etag: '"<b>aaaaaaaa"' })
  const c = json({ at: 'Thu, 02 Jan 2025 03:04:05 GMT' }, {})
  const divergences = compareResponses(p, c, policyOf('format: { body: [/at], headers: [etag] }'))
  const ex: ExampleExchange = {
    id: 'x1',
    at: '2025-01-02T03:04:05.678Z',
    method: 'GET',
    url: '/a',
    route: '/a',
    primaryStatus: 200,
    candidateStatus: 200,
    kinds: ['header', 'body'],
    divergences,
    primaryContentType: 'application/json',
    candidateContentType: 'application/json',
    primaryBody: p.body.toString(),
    candidateBody: c.body.toString(),
  }

  it('the text diff names the formats of a header and of a body field', () => {
    const lines = exampleDiff(ex).split('\n')
    expect(lines.slice(0, 4)).toEqual(['@@ header etag: format changed: etag(text) → absent', '-"<b>aaaaaaaa"', '+(absent)', '@@ body /at: format changed: iso-datetime:T:s:f:Z → http-date'])
  })

  it('the HTML example shows both messages, escaped', () => {
    const html = renderExample(ex, true).value
    expect(html).toContain('<small>format changed: etag(text) → absent</small>')
    expect(html).toContain('<code>/at</code>: format changed: iso-datetime:T:s:f:Z → http-date')
    expect(html).not.toContain('<b>aaaa')
  })
})

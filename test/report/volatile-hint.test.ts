/**
 * The report's hint at `rules suggest`: when the dominant differing fields
 * all look like ids or timestamps and no rule matched, say they are probably
 * noise and how to get rules for them; never when a rule already matched or
 * a real field dominates.
 */
import { describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { request } from 'undici'
import { looksVolatile, volatileHint } from '../../src/report/volatile-hint.js'
import { buildReport } from '../../src/report/build-report.js'
import { renderMarkdown } from '../../src/report/render-markdown.js'
import { renderHtml } from '../../src/report/render-html.js'
import { DEFAULT_SUGGEST_OUT } from '../../src/cli/rules-suggest.js'
import { json, startUpstream } from '../helpers/upstream.js'
import { startProxy, tempDir } from '../helpers/proxy.js'

describe('volatile-looking fields', () => {
  it.each([
    ['/requestId', true],
    ['/meta/traceId', true],
    ['/items/*/updatedAt', true],
    ['/created_at', true],
    ['/expiresAt', true],
    ['/tookMs', true],
    ['/csrfToken', true],
    ['header:etag', true],
    ['header:x-request-id', true],
    ['/email', false],
    ['/id', false],
    ['/userId', false],
    ['/candidate', false],
    ['/total', false],
    ['/format', false],
    ['status', false],
  ])('%s → %s', (field, volatile) => {
    expect(looksVolatile(field)).toBe(volatile)
  })

  it('judges the dominant fields only, and never once a rule matched', () => {
    const noisy = [
      { field: '/requestId', count: 150 },
      { field: '/generatedAt', count: 140 },
      { field: '/email', count: 15 },
    ]
    expect(volatileHint(noisy, false, 'x.db')?.fields).toEqual(['/requestId', '/generatedAt'])
    expect(volatileHint(noisy, true, 'x.db')).toBeUndefined()
    expect(volatileHint([{ field: '/requestId', count: 100 }, { field: '/price', count: 90 }], false, 'x.db')).toBeUndefined()
    expect(volatileHint([], false, 'x.db')).toBeUndefined()
  })
})

describe('the hint in a real report', () => {
  async function record(rules?: string) {
    const body = (v: number) => (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) =>
      json(res, 200, { url: req.url, requestId: `${v}-${Math.random()}`, servedAt: new Date(Date.now() + v).toISOString() })
    const { proxyUrl, app, db } = await startProxy({ primary: await startUpstream(body(1)), candidate: await startUpstream(body(2)), ...(rules ? { rules } : {}) })
    for (let i = 0; i < 12; i++) await (await request(`${proxyUrl}/api/items/${i}`)).body.dump()
    await app.drain()
    await app.close()
    return db
  }

  it('appears in JSON, Markdown and HTML when no rule is loaded, naming the database', async () => {
    const db = await record()
    const report = buildReport([db])
    expect(report.hints).toHaveLength(1)
    expect(report.hints![0]).toMatchObject({ kind: 'volatile-fields', fields: ['/requestId', '/servedAt'] })
    // The suggestions go where #16 puts them by default, outside the watched rules folder, to be reviewed first.
    expect(report.hints![0].message).toContain(`'shadowdiff rules suggest --db ${db}' proposes rules for them, with the evidence, in ${DEFAULT_SUGGEST_OUT}: review it`)
    expect(renderMarkdown(report)).toMatch(/\n> 💡 The most frequent differences \(\/requestId, \/servedAt\) look like ids or timestamps/)
    expect(renderHtml(report)).toContain('<div class="card hint" id="hint-volatile-fields" role="note"><strong>Hint:</strong> The most frequent differences')
  })

  it('is absent once a rule matched the exchanges', async () => {
    const file = join(tempDir(), 'rules.yaml')
    writeFileSync(file, 'rules:\n  - name: items\n    match: { path: /api/items/:id }\n    ignore: { body: [/requestId] }\n')
    const report = buildReport([await record(file)])
    expect(report.totals.divergent).toBe(12) // servedAt still differs
    expect(report.hints).toBeUndefined()
  })
})

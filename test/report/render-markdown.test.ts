import { describe, expect, test } from 'vitest'
import { mdCode, mdFence, mdText, renderMarkdown } from '../../src/report/render-markdown.js'
import type { EndpointReport } from '../../src/report/report-types.js'
import { loadFixture, makeReport } from './report-fixtures.js'

interface Block {
  fence: string
  info: string
  content: string[]
}

/**
 * Splits Markdown into fenced code blocks the way CommonMark does (§4.5): a
 * block opened by N backticks closes at the first line of at least N
 * backticks and nothing else. Throws on a block that never closes.
 */
function fencedBlocks(md: string): { blocks: Block[]; outside: string[] } {
  const blocks: Block[] = []
  const outside: string[] = []
  let open: Block | null = null
  for (const line of md.split('\n')) {
    if (open) {
      const close = /^(`{3,})\s*$/.exec(line)
      if (close && close[1].length >= open.fence.length) {
        blocks.push(open)
        open = null
      } else open.content.push(line)
      continue
    }
    const start = /^(`{3,})([^`]*)$/.exec(line)
    if (start) open = { fence: start[1], info: start[2], content: [] }
    else outside.push(line)
  }
  if (open) throw new Error(`unclosed fence ${open.fence}`)
  return { blocks, outside }
}

function endpoint(i: number, divergent: number): EndpointReport {
  const base = loadFixture('failing').endpoints[0]
  return { ...base, route: `/r${i}`, divergent, compared: 1000, rate: divergent / 1000 }
}

describe('renderMarkdown', () => {
  test('verdict line, reasons and the totals table come first', () => {
    const md = renderMarkdown(loadFixture('failing'))
    const lines = md.split('\n')
    expect(lines[0]).toBe('## ❌ shadowdiff: FAIL')
    expect(md).toContain('**2.16%** divergent over **12,662** compared exchanges')
    expect(md).toContain('- divergence rate 2.16% exceeds max 1.00%\n')
    expect(md).toContain('| 12,967 | 12,662 | 273 | 2.16% | 6 | 21 | 6,224 | 23 | 118 |')
  })

  test('a passing report says so', () => {
    const md = renderMarkdown(makeReport({ verdict: { ok: true, reasons: [], failingEndpoints: [] } }))
    expect(md.split('\n')[0]).toBe('## ✅ shadowdiff: PASS')
    expect(md).toContain('The candidate passes the gate')
  })

  test('worst endpoints: failing first, then by divergent count, ten at most, one example each', () => {
    const report = loadFixture('failing')
    report.endpoints.push(...Array.from({ length: 12 }, (_, i) => endpoint(i, 100 + i)))
    const md = renderMarkdown(report)
    const rows = md.split('\n').filter((l) => /^\| (❌|✅|⚠️)/.test(l))
    expect(rows).toHaveLength(10)
    expect(rows[0]).toContain('`POST /api/orders`')
    expect(rows[1]).toContain('`GET /api/users/:id`') // 186 divergent beats the added 100–111
    expect(rows[2]).toContain('`GET /r11`')
    expect(md).toContain('### Worst endpoints (10 of 20)')
    expect(md.match(/<details>/g)).toHaveLength(10)
    const { blocks } = fencedBlocks(md)
    expect(blocks).toHaveLength(10)
    expect(blocks.every((b) => b.info === 'diff')).toBe(true)
  })

  test('example diffs are unified diffs of the pretty-printed bodies', () => {
    const { blocks } = fencedBlocks(renderMarkdown(loadFixture('failing')))
    const users = blocks.find((b) => b.content.includes('@@ header etag'))!
    expect(users.content).toContain('-    "zip": "NW1 6XE"')
    expect(users.content).toContain('+    "zip": "NW16XE"')
    const csv = blocks.find((b) => b.content.includes('@@ body') && b.content.includes('+GL-2,Glue,2.10'))
    expect(csv).toBeDefined()
  })

  test('a body holding backtick fences cannot break out of the diff block', () => {
    const md = renderMarkdown(loadFixture('xss'))
    const { blocks, outside } = fencedBlocks(md)
    expect(blocks).toHaveLength(1)
    expect(blocks[0].fence.length).toBeGreaterThan(4)
    expect(blocks[0].content.some((l) => l.includes('````oops'))).toBe(true)
    expect(blocks[0].content.some((l) => l.includes('"fence": "```\\n# not a heading\\n```"'))).toBe(true)
    // Everything structural stays outside the block.
    expect(outside.filter((l) => l === '</details>')).toHaveLength(2)
  })

  test('hostile text cannot inject HTML or table cells', () => {
    const md = renderMarkdown(loadFixture('xss'))
    const outsideCode = fencedBlocks(md)
      .outside.join('\n')
      .replace(/(`+)[^`][\s\S]*?\1/g, '') // drop inline code spans: their content is literal
    expect(outsideCode).not.toMatch(/<(script|img)/i)
    expect(md).toContain('<summary><code>GET /x/&lt;script&gt;alert(1)&lt;/script&gt;/&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</code>')
    expect(md).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/)
    const row = md.split('\n').find((l) => l.startsWith('| ❌'))!
    expect(row.replace(/\\\|/g, '').split('|')).toHaveLength(10) // 8 cells + both ends
  })

  test('escaping helpers', () => {
    expect(mdCode('a`b')).toBe('``a`b``')
    expect(mdCode('`x`')).toBe('`` `x` ``')
    expect(mdCode('a|b')).toBe('`a\\|b`')
    expect(mdText('# <b>*x*</b> | y')).toBe('\\# &lt;b&gt;\\*x\\*&lt;/b&gt; \\| y')
    expect(mdText('1. not a list')).toBe('1\\. not a list')
    expect(mdFence('a\n`````\nb', 'diff')).toBe('``````diff\na\n`````\nb\n``````')
    expect(mdFence('plain')).toBe('```\nplain\n```')
  })

  test('an empty report has a verdict and totals but no endpoint sections', () => {
    const md = renderMarkdown(loadFixture('empty'))
    expect(md).toContain('Nothing was compared in this window')
    expect(md).toContain('- only 0 compared exchanges, need at least 1000')
    expect(md).toContain('Whole recording')
    expect(md).not.toContain('Worst endpoints')
    expect(md).not.toMatch(/NaN|undefined|Infinity/)
  })

  test('a report whose endpoints never diverged says so instead of an empty table', () => {
    const report = makeReport({ verdict: { ok: true, reasons: [], failingEndpoints: [] } })
    report.endpoints = report.endpoints.map((e) => ({ ...e, divergent: 0, rate: 0, candidate5xx: 0, candidate5xxRate: 0 }))
    const md = renderMarkdown(report)
    expect(md).toContain('No divergence on any of the 8 endpoints.')
    expect(md).not.toContain('```')
  })

  test('stays under the GitHub comment limit however large the bodies', () => {
    const report = loadFixture('failing')
    const huge = JSON.stringify({ rows: Array.from({ length: 800 }, (_, i) => ({ i, v: 'x'.repeat(50) })) })
    const other = JSON.stringify({ rows: Array.from({ length: 800 }, (_, i) => ({ i, v: 'y'.repeat(50) })) })
    report.endpoints = Array.from({ length: 10 }, (_, i) => {
      const e = endpoint(i, 50)
      return { ...e, examples: [{ ...e.examples[0], primaryBody: huge, candidateBody: other }] }
    })
    const md = renderMarkdown(report)
    expect(md.length).toBeLessThan(65_536)
    expect(fencedBlocks(md).blocks.length).toBeGreaterThan(0)
    expect(md).toContain('more lines in the HTML report')
  })
})

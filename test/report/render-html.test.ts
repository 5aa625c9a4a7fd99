import { createHash } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { esc, html, raw } from '../../src/report/html-escape.js'
import { renderHtml } from '../../src/report/render-html.js'
import { loadFixture, makeReport, PAYLOADS } from './report-fixtures.js'

const BROKEN = /NaN|Infinity|\[object Object\]|>undefined<|"undefined"|>null</

describe('renderHtml', () => {
  test('is one self-contained document: nothing to fetch, script pinned by its CSP hash', () => {
    const page = renderHtml(loadFixture('failing'))
    expect(page.startsWith('<!doctype html>')).toBe(true)
    expect(page).not.toMatch(/<(link|img|iframe|object|embed)\b/i)
    expect(page).not.toMatch(/\bsrc=/i)
    expect(page).not.toMatch(/https?:\/\//i)
    expect(page).not.toMatch(/@import|url\(/i)
    // Links are in-page anchors only.
    for (const m of page.matchAll(/href="([^"]*)"/g)) expect(m[1]).toMatch(/^#ep-\d+$/)
    const scripts = [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)]
    expect(scripts).toHaveLength(1)
    const hash = createHash('sha256').update(scripts[0][1]).digest('base64')
    expect(page).toContain(`script-src &#39;sha256-${hash}&#39;`)
    expect(page).toContain('default-src &#39;none&#39;')
  })

  test('a failing verdict is a red FAIL banner with every reason', () => {
    const report = loadFixture('failing')
    const page = renderHtml(report)
    expect(page).toContain('<section class="verdict fail" id="verdict"')
    expect(page).toContain('✕ FAIL')
    for (const r of report.verdict.reasons) expect(page).toContain(`<li>${esc(r)}</li>`)
    expect(page).toMatch(/<title>FAIL · /)
    expect(page).not.toMatch(BROKEN)
  })

  test('a passing verdict is a green PASS banner', () => {
    const page = renderHtml(makeReport({ verdict: { ok: true, reasons: [], failingEndpoints: [] } }))
    expect(page).toContain('<section class="verdict pass" id="verdict"')
    expect(page).toContain('✓ PASS')
    expect(page).not.toContain('class="reasons"')
  })

  test('totals, endpoint table rows, field tables and both charts are present', () => {
    const report = loadFixture('failing')
    const page = renderHtml(report)
    for (const v of ['12,967', '12,662', '273', '2.16%', '6,224']) expect(page).toContain(`<div class="v">${v}</div>`)
    const rows = [...page.matchAll(/<tr data-i="(\d+)" data-key="([^"]*)">/g)]
    expect(rows.map((r) => r[2])).toHaveLength(report.endpoints.length)
    expect(rows[0][2]).toBe('POST /api/orders') // failing endpoint first
    expect(page).toContain('<td data-v="4210">4,210</td>')
    expect(page).toContain('<code>/address/zip</code></td><td class="l">replace</td><td>131</td><td>0</td>')
    expect(page).toContain('<svg class="chart" id="chart-timeline"')
    expect(page).toContain('<svg class="chart" id="chart-latency"')
    // Minute 13 has no traffic: the rate line is split in two, not drawn through zero.
    expect(page.match(/<polyline class="rate"/g)).toHaveLength(2)
    // Its four events are minutes apart: one marker each.
    expect(page.match(/<g class="event" data-n="\d+">/g)).toHaveLength(report.events.length)
    expect(page.match(/<g class="lat-row">/g)).toHaveLength(report.endpoints.length)
  })

  test('examples show a side-by-side diff with changed characters marked, and the patch', () => {
    const page = renderHtml(loadFixture('failing'))
    expect(page).toContain('<td class="code del">    &quot;zip&quot;: &quot;NW1<mark> </mark>6XE&quot;</td>')
    expect(page).toContain('<td class="code add">    &quot;trial&quot;: false</td>')
    expect(page).toContain('<td class="ln"></td><td class="code blank"></td>')
    expect(page).toContain('{&quot;op&quot;:&quot;replace&quot;,&quot;path&quot;:&quot;/address/zip&quot;,&quot;value&quot;:&quot;NW16XE&quot;}')
    expect(page).toContain('Bodies were not recorded for this exchange.')
    expect(page.match(/<details class="example" open>/g)).toHaveLength(6) // first example of each endpoint with examples
  })

  test('every recorded value is escaped', () => {
    const page = renderHtml(loadFixture('xss'))
    for (const p of PAYLOADS) expect(page).not.toContain(p)
    expect(page.match(/<script/g)).toHaveLength(1)
    expect(page).not.toMatch(/<img/i)
    expect(page).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/)
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(page).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;')
    expect(page).toContain('&#39;;alert(1);//')
    // Attributes too: the row key and the endpoint status cells.
    expect(page).toContain('data-key="GET /x/&lt;script&gt;alert(1)&lt;/script&gt;/&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"')
  })

  test('an empty report renders a clear message instead of empty charts and tables', () => {
    const page = renderHtml(loadFixture('empty'))
    expect(page).toContain('Nothing was compared in this window.')
    expect(page).toContain('Window: whole recording')
    expect(page).not.toContain('<svg')
    expect(page).not.toContain('id="endpoints"')
    expect(page).not.toContain('Audit trail')
    expect(page).not.toMatch(BROKEN)
  })

  test('the html template escapes interpolations and keeps raw() markup', () => {
    expect(html`<p title="${'"x"'}">${'<b>'}${raw('<i>ok</i>')}${['<', raw('&amp;')]}${undefined}${false}</p>`.value).toBe(
      '<p title="&quot;x&quot;">&lt;b&gt;<i>ok</i>&lt;&amp;</p>',
    )
    expect(esc("&<>\"'\u0000")).toBe('&amp;&lt;&gt;&quot;&#39;\ufffd')
  })
})

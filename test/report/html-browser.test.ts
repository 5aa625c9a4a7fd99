/**
 * The HTML report in a real browser: Debian's chromium driven by
 * playwright-core, one launch for the whole file. Reports are written to
 * test-artifacts/ and opened from disk (file://), the way a reviewer opens them.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { renderHtml } from '../../src/report/render-html.js'
import { renderJunit } from '../../src/report/render-junit.js'
import { renderMarkdown } from '../../src/report/render-markdown.js'
import { buildReport } from '../../src/report/build-report.js'
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { request } from 'undici'
import { json, startUpstream } from '../helpers/upstream.js'
import { startProxy, tempDir } from '../helpers/proxy.js'
import type { Report } from '../../src/report/report-types.js'
import { loadFixture, PAYLOADS } from './report-fixtures.js'

const CHROMIUM = '/usr/bin/chromium'
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url)

let browser: Browser

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the HTML report test drives Debian's chromium package. ` +
        'Install it with `apt-get install -y chromium` (.ci/run installs it in CI).',
    )
  }
  mkdirSync(ARTIFACTS, { recursive: true })
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
})

afterAll(async () => {
  await browser?.close()
})

interface Opened {
  page: Page
  requests: string[]
  dialogs: string[]
  errors: string[]
}

/** Writes the report to test-artifacts/<name>.html and opens it from disk, recording requests, dialogs and errors. */
async function open(name: string, report: Report): Promise<Opened> {
  const file = new URL(`${name}.html`, ARTIFACTS)
  writeFileSync(file, renderHtml(report))
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  const opened: Opened = { page, requests: [], dialogs: [], errors: [] }
  page.on('request', (r) => opened.requests.push(r.url()))
  page.on('dialog', (d) => {
    opened.dialogs.push(d.message())
    void d.dismiss()
  })
  page.on('console', (m) => {
    if (m.type() === 'error') opened.errors.push(m.text())
  })
  page.on('pageerror', (e) => opened.errors.push(e.message))
  await page.goto(pathToFileURL(file.pathname).href)
  return opened
}

/** The endpoint keys in the table's current row order. */
function rowKeys(page: Page): Promise<string[]> {
  return page.$$eval('#endpoints tbody tr', (rows) => rows.map((r) => r.getAttribute('data-key') ?? ''))
}

async function size(page: Page, selector: string): Promise<{ width: number; height: number }> {
  const box = await page.locator(selector).boundingBox()
  return { width: box?.width ?? 0, height: box?.height ?? 0 }
}

describe('HTML report in Chromium', () => {
  test('renders the table and both charts, fetches nothing, and is saved as a screenshot', async () => {
    const report = loadFixture('failing')
    const { page, requests, errors } = await open('report', report)
    expect(await page.locator('#verdict .badge').textContent()).toBe('✕ FAIL')
    expect(await page.locator('#endpoints tbody tr').count()).toBe(report.endpoints.length)
    for (const sel of ['#endpoints', '#chart-timeline', '#chart-latency']) {
      const s = await size(page, sel)
      expect(s.width, sel).toBeGreaterThan(300)
      expect(s.height, sel).toBeGreaterThan(100)
    }
    expect(await page.locator('#chart-timeline polyline.rate').count()).toBe(2)
    expect(await page.locator('#chart-latency .lat-row').count()).toBe(report.endpoints.length)
    const bar = await size(page, '#chart-latency .lat-row rect.cand.p99 >> nth=0')
    expect(bar.width).toBeGreaterThan(0)
    await page.screenshot({ path: new URL('report.png', ARTIFACTS).pathname, fullPage: true })
    expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([])
    expect(errors).toEqual([]) // a CSP violation (wrong script hash) would show here
    await page.close()
  })

  test("a newcomer's low-traffic run: axis within 100%, counts on low-count minutes, marker labels that do not overlap, the audit trail as a table", async () => {
    const { page, errors } = await open('report-newcomer', loadFixture('newcomer'))
    await page.locator('#chart-timeline').screenshot({ path: new URL('report-newcomer-timeline.png', ARTIFACTS).pathname })
    const axis = await page.$$eval('#chart-timeline text.axis', (ts) => ts.map((t) => t.textContent ?? '').filter((t) => t.endsWith('%')))
    expect(Math.max(...axis.map((a) => parseFloat(a)))).toBeLessThanOrEqual(100)
    expect(await page.locator('#chart-timeline g.low text.count').allTextContents()).toEqual(['↑1/1', '↑2/2', '0/1', '↑3/3'])
    // Every label drawn in the chart's top band (event labels, low-count counts) has its own room.
    const boxes = await page.$$eval('#chart-timeline g.event text:not(.n), #chart-timeline g.low text.count', (ts) =>
      ts.map((t) => {
        const r = t.getBoundingClientRect()
        return { text: t.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom }
      }),
    )
    expect(boxes.map((b) => b.text)).toContain('promotion, weight ×3')
    for (const [i, a] of boxes.entries()) {
      for (const b of boxes.slice(i + 1)) {
        const overlap = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom
        expect(overlap, `${a.text} overlaps ${b.text}`).toBe(false)
      }
    }
    const chart = await page.locator('#chart-timeline').boundingBox()
    for (const b of boxes) expect(b.right, b.text ?? '').toBeLessThanOrEqual((chart?.x ?? 0) + (chart?.width ?? 0) + 1)
    expect(await page.locator('#events tbody tr').count()).toBe(7)
    expect(await page.locator('#events tbody tr').nth(2).locator('td.change').textContent()).toBe('shadow → split 1%')
    expect(errors).toEqual([])
    await page.close()
  })

  test('clicking a column header sorts the rows, and again reverses them', async () => {
    const report = loadFixture('failing')
    const { page } = await open('report-sort', report)
    const key = (e: { method: string; route: string }) => `${e.method} ${e.route}`
    const byCompared = [...report.endpoints].sort((a, b) => b.compared - a.compared).map(key)
    const compared = page.getByRole('button', { name: 'Compared' })
    await compared.click()
    expect(await rowKeys(page)).toEqual(byCompared)
    expect(await page.locator('th:has(button:text-is("Compared"))').getAttribute('aria-sort')).toBe('descending')
    await compared.click()
    expect(await rowKeys(page)).toEqual([...byCompared].reverse())
    expect(await page.locator('th:has(button:text-is("Compared"))').getAttribute('aria-sort')).toBe('ascending')

    const byRoute = [...report.endpoints].sort((a, b) => a.route.localeCompare(b.route) || report.endpoints.indexOf(a) - report.endpoints.indexOf(b))
    await page.getByRole('button', { name: 'Route' }).click()
    const routes = async () => page.$$eval('#endpoints tbody td.route', (tds) => tds.map((t) => t.textContent))
    expect(await routes()).toEqual(byRoute.map((e) => e.route))
    await page.getByRole('button', { name: 'Route' }).click()
    expect(await routes()).toEqual(byRoute.map((e) => e.route).reverse())

    // The p99 candidate column sorts by the raw number, not the formatted "1.20 s" text.
    await page.locator('thead tr:nth-child(2) th').nth(3).locator('button').click()
    const p99 = [...report.endpoints].sort((a, b) => b.latency.candidate.p99 - a.latency.candidate.p99).map(key)
    expect(await rowKeys(page)).toEqual(p99)
    await page.close()
  })

  test('recorded XSS payloads render as text and never run', async () => {
    const report = loadFixture('xss')
    const flag = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>'
    report.endpoints[0].examples[0].candidateBody = JSON.stringify({ flag, more: PAYLOADS })
    report.events[0].cause = flag
    const { page, dialogs, requests } = await open('report-xss', report)
    await page.getByRole('button', { name: 'Expand all examples' }).click()
    expect(dialogs).toEqual([])
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined()
    expect(await page.locator('img, [onerror], iframe, object').count()).toBe(0)
    expect(await page.locator('script').count()).toBe(1)
    const route = await page.locator('#endpoints tbody td.route').first().textContent()
    expect(route).toBe(`/x/${PAYLOADS[0]}/${PAYLOADS[1]}`)
    const text = (await page.locator('body').textContent()) ?? ''
    for (const p of [...PAYLOADS, flag]) expect(text).toContain(p)
    expect(await page.getByText(PAYLOADS[0]).first().isVisible()).toBe(true)
    expect(await page.locator('#events').textContent()).toContain(flag)
    // The x= image source never became a request.
    expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([])
    await page.close()
  })

  test('an empty report opens cleanly and says nothing was compared', async () => {
    const { page, errors } = await open('report-empty', loadFixture('empty'))
    expect(await page.locator('#nothing-compared').isVisible()).toBe(true)
    expect(await page.locator('svg').count()).toBe(0)
    expect(await page.locator('#verdict li').allTextContents()).toEqual(['only 0 compared exchanges, need at least 1000'])
    expect(errors).toEqual([])
    await page.close()
  })

  test('the JUnit XML parses and has the junit-10 shape', async () => {
    const page = await browser.newPage()
    const docs = (['failing', 'xss', 'empty'] as const).map((n) => renderJunit(loadFixture(n)))
    const results = await page.evaluate((xmls) => {
      const SUITE_CHILDREN = ['properties', 'testcase', 'system-out', 'system-err']
      const CASE_CHILDREN = ['skipped', 'error', 'failure', 'system-out', 'system-err']
      return xmls.map((xml) => {
        const problems: string[] = []
        const doc = new DOMParser().parseFromString(xml, 'application/xml')
        if (doc.getElementsByTagName('parsererror').length) return { problems: ['parsererror'], tests: 0 }
        const root = doc.documentElement
        if (root.tagName !== 'testsuites') problems.push(`root is ${root.tagName}`)
        let tests = 0
        for (const suite of Array.from(root.children)) {
          if (suite.tagName !== 'testsuite') problems.push(`testsuites > ${suite.tagName}`)
          for (const a of ['name', 'tests', 'failures', 'errors', 'skipped', 'time', 'timestamp']) {
            if (!suite.hasAttribute(a)) problems.push(`testsuite without ${a}`)
          }
          if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(suite.getAttribute('timestamp') ?? '')) problems.push('bad timestamp')
          let last = 0
          for (const child of Array.from(suite.children)) {
            const at = SUITE_CHILDREN.indexOf(child.tagName)
            if (at < last) problems.push(`testsuite > ${child.tagName} out of place`)
            last = Math.max(last, at)
          }
          const cases = Array.from(suite.getElementsByTagName('testcase'))
          tests += cases.length
          if (String(cases.length) !== suite.getAttribute('tests')) problems.push('tests count')
          if (String(suite.getElementsByTagName('failure').length) !== suite.getAttribute('failures')) problems.push('failures count')
          if (String(suite.getElementsByTagName('skipped').length) !== suite.getAttribute('skipped')) problems.push('skipped count')
          for (const c of cases) {
            for (const a of ['name', 'classname', 'time']) if (!c.getAttribute(a)) problems.push(`testcase without ${a}`)
            for (const child of Array.from(c.children)) {
              if (!CASE_CHILDREN.includes(child.tagName)) problems.push(`testcase > ${child.tagName}`)
              if (child.tagName === 'failure' && (!child.getAttribute('message') || !child.getAttribute('type'))) problems.push('failure without message/type')
            }
          }
        }
        return { problems, tests }
      })
    }, docs)
    expect(results).toEqual([
      { problems: [], tests: 9 },
      { problems: [], tests: 3 },
      { problems: [], tests: 1 },
    ])
    await page.close()
  })

  test('an example diff highlights only what is reported: ignored, format-compared and noise fields are dimmed and labelled', async () => {
    // Primary and secondary agree on everything but the noisy /score; the candidate also gets a fresh
    // requestId (ignored by a rule) and generatedAt (compared by format), and a real change to /price.
    const body = (role: 'p' | 's' | 'c', n: number) => ({
      generatedAt: new Date(Date.UTC(2025, 0, 1) + n * 1000 + (role === 'c' ? 500 : 0)).toISOString(),
      price: role === 'c' ? 12.5 : 10,
      requestId: randomUUID(),
      score: 0.5 + (role === 'p' ? 0 : role === 's' ? 0.001 : 0.002),
      sku: `SKU-${n}`,
    })
    const serve = (role: 'p' | 's' | 'c') => startUpstream((req, res) => json(res, 200, body(role, Number(req.url!.split('/').pop()))))
    const dir = tempDir()
    const rules = join(dir, 'rules.yaml')
    writeFileSync(rules, 'rules:\n  - match: { path: /things/:id }\n    ignore: { body: [/requestId] }\n    format: { body: [/generatedAt] }\n')
    const { app, proxyUrl, db } = await startProxy({ primary: await serve('p'), secondary: await serve('s'), candidate: await serve('c'), rules })
    for (let n = 0; n < 3; n++) await (await request(`${proxyUrl}/things/${n}`)).body.dump()
    await app.drain()
    await app.close()
    const report = buildReport([db])
    const [example] = report.endpoints[0].examples
    expect(example.patch).toEqual([{ op: 'replace', path: '/price', value: 12.5 }])

    const { page, errors } = await open('example-not-reported', report)
    const lines = await page.$$eval('details.example[open] table.sbs td.code', (cells) =>
      cells.map((c) => ({
        text: (c.firstChild?.textContent ?? c.textContent ?? '').trim(),
        cls: c.className,
        why: c.getAttribute('data-why'),
        marked: c.querySelector('mark') !== null,
        background: getComputedStyle(c).backgroundColor,
        opacity: getComputedStyle(c).opacity,
      })),
    )
    const of = (key: string) => lines.filter((l) => l.text.startsWith(`"${key}"`))
    // Reported: highlighted on both sides, characters marked.
    expect(of('price').map((l) => [l.cls, l.marked])).toEqual([['code del', true], ['code add', true]])
    const highlighted = of('price')[0].background
    // Ignored, format, noise: dimmed, labelled, never highlighted or marked.
    for (const [key, why] of [['requestId', 'ignored'], ['generatedAt', 'format'], ['score', 'noise']] as const) {
      const cells = of(key)
      expect(cells, key).toHaveLength(2)
      for (const c of cells) {
        expect(c, key).toMatchObject({ cls: 'code not-reported', why, marked: false })
        expect(c.background, key).not.toBe(highlighted)
        expect(Number(c.opacity), key).toBeLessThan(1)
      }
    }
    expect(await page.locator('details.example[open] td.not-reported[data-why="ignored"] .why').first().textContent()).toBe('ignored')
    expect(await page.locator('details.example[open] p.legend').textContent()).toMatch(/^Dimmed lines differ only where the comparison does not report: format 2 lines, ignored 2 lines, noise 2 lines\. Highlighted lines are what is reported\.$/)
    // Unchanged lines stay plain.
    expect(of('sku').map((l) => l.cls)).toEqual(['code eq', 'code eq'])
    await page.locator('details.example[open]').first().screenshot({ path: new URL('example-not-reported.png', ARTIFACTS).pathname })
    expect(errors).toEqual([])
    await page.close()

    // Markdown shows the same: only /price as a -/+ change, the rest as `~` context with why.
    const md = renderMarkdown(report)
    expect(md).toMatch(/^-\s+"price": 10,$/m)
    expect(md).toMatch(/^\+\s+"price": 12\.5,$/m)
    expect(md).toMatch(/^~\s+"requestId": "[0-9a-f-]{36}",  \(ignored\)$/m)
    expect(md).not.toMatch(/^[-+]\s+"(requestId|generatedAt|score)"/m)
  })
})


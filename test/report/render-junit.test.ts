import { describe, expect, test } from 'vitest'
import { renderJunit } from '../../src/report/render-junit.js'
import { loadFixture, makeReport, PAYLOADS } from './report-fixtures.js'
import { xmlProblems } from './xml-check.js'

/** Attributes of the first element named `tag` whose attributes match `where`. */
function attrsOf(xml: string, tag: string, where = ''): Record<string, string> {
  const m = new RegExp(`<${tag}\\b([^>]*${where}[^>]*)>`).exec(xml)
  if (!m) throw new Error(`no <${tag}> matching ${where}`)
  return Object.fromEntries([...m[1].matchAll(/([\w.:-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]]))
}

function testcases(xml: string): { name: string; classname: string; body: string }[] {
  return [...xml.matchAll(/<testcase name="([^"]*)" classname="([^"]*)" time="0"(?:\/>|>([\s\S]*?)<\/testcase>)/g)].map((m) => ({
    name: m[1],
    classname: m[2],
    body: m[3] ?? '',
  }))
}

describe('renderJunit', () => {
  test('the checker itself rejects malformed XML', () => {
    expect(xmlProblems('<a><b></a>')).not.toEqual([])
    expect(xmlProblems('<a x="1 & 2"/>')).not.toEqual([])
    expect(xmlProblems('<a>\u0001</a>')).not.toEqual([])
    expect(xmlProblems('<a x="1" x="2"/>')).not.toEqual([])
    expect(xmlProblems('<a/><b/>')).not.toEqual([])
    expect(xmlProblems('<a x="&lt;&#10;">t &amp; u</a>')).toEqual([])
  })

  test('one testcase per endpoint plus the overall gate, with junit-10 counts', () => {
    const report = loadFixture('failing')
    const xml = renderJunit(report)
    expect(xmlProblems(xml)).toEqual([])
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true)
    const cases = testcases(xml)
    expect(cases).toHaveLength(report.endpoints.length + 1)
    expect(cases[0]).toMatchObject({ name: 'gate: overall', classname: 'shadowdiff.gate' })
    for (const e of report.endpoints) expect(cases).toContainEqual(expect.objectContaining({ name: e.route, classname: `shadowdiff.${e.method}` }))

    const suites = attrsOf(xml, 'testsuites')
    const suite = attrsOf(xml, 'testsuite')
    expect(suites).toMatchObject({ tests: '9', failures: '2', errors: '0', time: '0' })
    expect(suites.skipped).toBeUndefined() // junit-10.xsd has no skipped on testsuites
    expect(suite).toMatchObject({ name: 'shadowdiff', tests: '9', failures: '2', errors: '0', skipped: '1', time: '0', timestamp: '2025-03-14T09:31:00' })
    expect(xml.match(/<failure /g)).toHaveLength(2)
  })

  test('a failing endpoint carries its reasons and the example diff', () => {
    const xml = renderJunit(loadFixture('failing'))
    const orders = testcases(xml).find((c) => c.classname === 'shadowdiff.POST')!
    const failure = attrsOf(orders.body, 'failure')
    expect(failure.type).toBe('shadowdiff.endpoint')
    expect(failure.message).toBe('endpoint divergence 10.0% exceeds max 5.00%; candidate 5xx rate 2.81% exceeds max 1.00%')
    expect(orders.body).toContain('@@ status\n-201\n+500')
    expect(orders.body).toContain('+Internal Server Error')
    expect(orders.body).toContain('Example req-c1d2e3f4')
  })

  test('the overall testcase keeps only reasons no endpoint testcase reports', () => {
    const xml = renderJunit(loadFixture('failing'))
    const overall = testcases(xml)[0]
    const message = attrsOf(overall.body, 'failure').message
    expect(message).toContain('divergence rate 2.16% exceeds max 1.00%')
    expect(message).not.toContain('POST /api/orders: endpoint divergence')
  })

  test('an endpoint under minEndpointSamples is skipped, not passed or failed', () => {
    const xml = renderJunit(loadFixture('failing'))
    const prefs = testcases(xml).find((c) => c.name === '/api/users/:id/preferences')!
    expect(prefs.body).toMatch(/<skipped message="12 compared exchanges: too few/)
  })

  test('a passing verdict has no failures', () => {
    const xml = renderJunit(makeReport({ verdict: { ok: true, reasons: [], failingEndpoints: [] } }))
    expect(xmlProblems(xml)).toEqual([])
    expect(attrsOf(xml, 'testsuites').failures).toBe('0')
    expect(xml).not.toContain('<failure')
    expect(testcases(xml)[0].body).toBe('')
  })

  test('a failing endpoint missing from the endpoint list still gets a failing testcase', () => {
    const report = makeReport({
      verdict: { failingEndpoints: [...loadFixture('failing').verdict.failingEndpoints, { method: 'PATCH', route: '/gone', reasons: ['vanished'] }] },
    })
    const gone = testcases(renderJunit(report)).find((c) => c.name === '/gone')!
    expect(gone.classname).toBe('shadowdiff.PATCH')
    expect(attrsOf(gone.body, 'failure').message).toBe('vanished')
  })

  test('an overall-only failure with no endpoint failing still fails the overall testcase', () => {
    const xml = renderJunit(loadFixture('empty'))
    expect(xmlProblems(xml)).toEqual([])
    const cases = testcases(xml)
    expect(cases).toHaveLength(1)
    expect(attrsOf(cases[0].body, 'failure').message).toBe('only 0 compared exchanges, need at least 1000')
  })

  test('hostile values are escaped and illegal characters stripped', () => {
    const xml = renderJunit(loadFixture('xss'))
    expect(xmlProblems(xml)).toEqual([])
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/)
    for (const p of PAYLOADS) expect(xml).not.toContain(p)
    expect(xml).toContain('name="/x/&lt;script&gt;alert(1)&lt;/script&gt;/&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"')
    expect(xml).toContain('classname="shadowdiff.&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"')
    expect(xml).toContain(']]&gt;')
  })
})

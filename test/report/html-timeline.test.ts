/**
 * The timeline chart and the audit trail for a newcomer's run: the axis
 * never above 100%, low-count minutes shown with their counts and never as a
 * lone spike in the line, events close together grouped under one numbered
 * marker, and the audit trail a table of sentences rather than raw JSON.
 */
import { describe, expect, test } from 'vitest'
import { renderHtml } from '../../src/report/render-html.js'
import { groupEvents, lowCountFloor, timelineChart, timelineSpan } from '../../src/report/html-charts.js'
import { describeChange } from '../../src/report/html-audit.js'
import { loadFixture } from './report-fixtures.js'

const axisLabels = (svg: string) => [...svg.matchAll(/<text class="axis" x="42" y="[\d.]+" dy="0.32em" text-anchor="end">([^<]+)<\/text>/g)].map((m) => m[1]).filter((l) => l.endsWith('%'))

describe('timeline chart', () => {
  test('the axis stops at 100%, even when every minute diverges completely', () => {
    const points = [0, 1, 2].map((i) => ({ at: new Date(Date.UTC(2025, 0, 1, 10, i)).toISOString(), compared: 50, divergent: 50 }))
    const svg = timelineChart(points, 0.01, [])!.value
    expect(axisLabels(svg)).toEqual(['0%', '25.0%', '50.0%', '75.0%', '100.0%'])
  })

  test('minutes with few exchanges are faint dots with their counts, outside the line and the scale', () => {
    const report = loadFixture('newcomer')
    expect(lowCountFloor(report.timeline)).toBe(10)
    const svg = timelineChart(report.timeline, 0.01, [])!.value
    // The well-sampled minutes peak at 23%: the scale is theirs, not the 1-of-1 minute's 100%.
    expect(axisLabels(svg).at(-1)).toBe('30.0%')
    const low = [...svg.matchAll(/<g class="low"><title>([^<]+)<\/title><circle class="dot low" cx="([\d.]+)"[^>]*\/><text class="count"[^>]*>([^<]+)<\/text><\/g>/g)]
    expect(low.map((m) => m[3])).toEqual(['↑1/1', '↑2/2', '0/1', '↑3/3'])
    expect(low[0][1]).toBe('10:00 UTC — 100.0% (1 of 1 divergent): only 1 compared, too few to read as a rate')
    // No polyline vertex at a low-count minute.
    const vertices = [...svg.matchAll(/<polyline class="rate" points="([^"]+)"/g)].flatMap((m) => m[1].split(' ').map((p) => p.split(',')[0]))
    for (const m of low) expect(vertices).not.toContain(m[2])
    expect(vertices).toHaveLength(report.timeline.length - low.length)
  })

  test('events seconds apart share one numbered marker whose label says what it holds', () => {
    const report = loadFixture('newcomer')
    const groups = groupEvents(report.events, timelineSpan(report.timeline))
    expect(groups.map((g) => [g.n, g.events.length])).toEqual([
      [1, 1],
      [2, 4],
      [3, 2],
    ])
    const svg = timelineChart(report.timeline, 0.01, groups)!.value
    const labels = [...svg.matchAll(/<g class="event" data-n="(\d+)">[\s\S]*?<text x="[\d.]+" y="[\d.]+" dy="0.35em" text-anchor="\w+">([^<]+)<\/text><\/g>/g)].map((m) => `${m[1]} ${m[2]}`)
    expect(labels).toEqual(['1 mode', '2 promotion, weight ×3', '3 rollback, promotion'])
    // The marker's tooltip lists every event it holds.
    expect(svg).toMatch(/<g class="event" data-n="2"><title>[^<]*promotion step 1: 1%\n[^<]*promotion step 2: 5%\n[^<]*promotion step 3: 25%<\/title>/)
  })
})

describe('audit trail', () => {
  test('is a table numbered like the markers, each change in words, no raw JSON', () => {
    const report = loadFixture('newcomer')
    const page = renderHtml(report)
    const table = page.slice(page.indexOf('<table class="events" id="events">'), page.indexOf('</table>', page.indexOf('id="events"')))
    const rows = [...table.matchAll(/<tr><td class="n">(\d*)<\/td><td class="t">([^<]+)<\/td><td class="type">([^<]+)<\/td><td><code>([^<]+)<\/code><\/td><td class="cause">([^<]*)<\/td><td class="change">([^<]*)<\/td><\/tr>/g)].map((m) => [m[1], m[3], m[6]])
    expect(rows).toEqual([
      ['1', 'mode', 'shadow (unchanged)'],
      ['2', 'promotion', 'idle → running, step 1 at 1%'],
      ['2', 'weight', 'shadow → split 1%'],
      ['2', 'weight', 'split 1% → split 5%'],
      ['2', 'weight', 'split 5% → split 25%'],
      ['3', 'rollback', 'split 25% → shadow'],
      ['3', 'promotion', 'running, step 3 at 25% → rolled back at step 3; because divergence 19.3% &gt; 1.0% (11/57)'],
    ])
    expect(table).not.toMatch(/\{&quot;|\{"/)
  })

  test('data of an unknown shape reads as key: value pairs', () => {
    expect(describeChange({ at: '', type: 'x', actor: 'a', cause: 'c', data: { mode: 'shadow' } })).toBe('mode: shadow')
    expect(describeChange({ at: '', type: 'x', actor: 'a', cause: 'c', data: { from: 0, to: 5 } })).toBe('0 → 5')
    expect(describeChange({ at: '', type: 'x', actor: 'a', cause: 'c' })).toBe('')
  })
})

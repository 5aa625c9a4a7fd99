import { describe, expect, it } from 'vitest'
import { request } from 'undici'
import { json, startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { buildReport } from '../../src/report/build-report.js'
import { renderMarkdown } from '../../src/report/render-markdown.js'
import { renderHtml } from '../../src/report/render-html.js'
import { parsePrometheus, valueOf } from './prometheus-text.js'

/**
 * Issue 16: "candidate errors" meant network failures in the cards and in
 * shadowdiff_candidate_errors_total, but failures or 5xx in the gate, so the
 * documented Argo query and the gate disagreed on the same traffic. Now one
 * meaning: the candidate failed where the primary did not, as 5xx or as a
 * network failure.
 */
describe('candidate errors mean the same in the metrics, the gate and the reports', () => {
  it('5xx where the primary was not + network/timeouts; a 5xx the primary shares is none', async () => {
    // id % 10: 1, 2 → candidate 503 (primary 200); 3 → candidate resets; 4 → both 503; else equal.
    const primary = await startUpstream((req, res) => json(res, id(req.url) % 10 === 4 ? 503 : 200, { ok: true }))
    const candidate = await startUpstream((req, res) => {
      const n = id(req.url) % 10
      if (n === 3) return req.socket.destroy()
      json(res, n === 1 || n === 2 || n === 4 ? 503 : 200, { ok: true })
    })
    const { app, proxyUrl, adminUrl, db } = await startProxy({ primary, candidate })
    for (let i = 0; i < 50; i++) await (await request(`${proxyUrl}/api/things/${i}`)).body.dump()
    await app.drain()

    const m = parsePrometheus(await (await request(`${adminUrl}/metrics`)).body.text())
    const compared = valueOf(m, 'shadowdiff_compared_total', { method: 'GET', route: '/api/things/:id' })
    const status5xx = valueOf(m, 'shadowdiff_candidate_errors_total', { reason: 'status_5xx' })
    const network = valueOf(m, 'shadowdiff_candidate_errors_total', { reason: 'network' })
    expect({ compared, status5xx, network }).toEqual({ compared: 50, status5xx: 10, network: 5 })
    // The documented query: sum(rate(shadowdiff_candidate_errors_total)) / sum(rate(shadowdiff_compared_total)).
    const promRate = (status5xx + network) / compared

    const gate = (await (await request(`${adminUrl}/api/gate?minSamples=1&maxDivergence=1`)).body.json()) as { data: { errorRate: number; reasons: string[] } }
    expect(gate.data.errorRate).toBe(promRate)
    expect(gate.data.reasons).toContain('candidate errors 30.0% > 1.0% (15/50: 10 5xx where the primary was not, 5 network/timeouts)')

    await app.close()
    const report = buildReport([db])
    expect(report.totals).toMatchObject({ candidateErrors: 15, candidateErrorsBy: { status5xx: 10, network: 5 }, errorRate: promRate, candidate5xx: 15, primary5xx: 5 })
    expect(report.endpoints[0]).toMatchObject({ candidateErrors: 15, candidateErrorsBy: { status5xx: 10, network: 5 }, errorRate: promRate })
    expect(report.verdict.errorRate).toBe(promRate)
    expect(renderMarkdown(report)).toMatch(/\| 50 \| 50 \| \d+ \| [\d.]+% \| 0 \| 15 \(10 \/ 5\) \|/)
    const page = renderHtml(report)
    expect(page).toContain('<div class="v">15</div><div class="l">candidate errors</div><div class="l">10 5xx · 5 network</div>')
    expect(page).not.toContain('candidate 5xx')
  })
})

function id(url: string | undefined): number {
  return Number((url ?? '').split('/').pop())
}

import { describe, expect, it } from 'vitest'
import { request } from 'undici'
import { json, startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { fieldsOf } from '../../src/store/divergence-fields.js'
import { buildReport } from '../../src/report/build-report.js'
import { listDivergences } from '../../src/store/list-divergences.js'

/**
 * The first exchange of a route knows that /score jitters (its secondary
 * differs) but not by how much: a jump there must not pass as noise for good.
 */
describe('numeric noise while the jitter bound is unknown', () => {
  /** Per request number n: primary and secondary jitter by ±0.004 around 1, the candidate too, except on `jumps`. */
  async function sides(jumps: ReadonlySet<number>) {
    const jitter = (n: number, role: number) => 1 + (((n * 7 + role * 3) % 9) - 4) / 1000
    const serve = (role: number, jump = false) =>
      startUpstream((req, res) => {
        const n = Number(req.url!.split('/').pop())
        json(res, 200, { score: jitter(n, role) + (jump && jumps.has(n) ? 0.5 : 0) })
      })
    return { primary: await serve(0), secondary: await serve(1), candidate: await serve(2, true) }
  }

  async function run(count: number, jumps: ReadonlySet<number>) {
    const { app, proxyUrl, db } = await startProxy(await sides(jumps))
    const reported = new Map<string, string[]>()
    app.compare.observe((ex) => reported.set(ex.request.url, fieldsOf(ex.divergences).map((f) => `${f.op} ${f.field}`)))
    // One at a time: the first exchange is judged before anything is learned.
    for (let n = 0; n < count; n++) await (await request(`${proxyUrl}/s/${n}`)).body.dump()
    await app.drain()
    return { app, db, reported }
  }

  it('holds a jump in the first exchange until the bound is learned, then reports it; jitter stays noise', async () => {
    const { app, reported } = await run(30, new Set([0, 1, 20]))
    expect(reported.size).toBe(30)
    for (const n of [0, 1, 20]) expect(reported.get(`/s/${n}`), `/s/${n}`).toEqual(['replace /score'])
    const others = [...reported].filter(([url, fields]) => !['/s/0', '/s/1', '/s/20'].includes(url) && fields.length > 0)
    expect(others).toEqual([])
    expect(app.compare.held).toBe(0)
    expect(app.compare.heldOverflow).toBe(0)
    expect(app.stats.compared).toBe(30)
  })

  it('a route too quiet to learn its bound: drain() records the held exchange as undecided, listed by the report and diffs, never as equal', async () => {
    const { app, db, reported } = await run(2, new Set([0]))
    // Two secondary answers cannot bound the jitter, and 0.5 is within 1000 × it: no verdict.
    expect(reported.get('/s/0')).toEqual(['undecided undecided', 'undecided /score'])
    expect(app.stats.compared).toBe(2)
    expect(app.stats.divergent).toBe(1)
    expect(app.compare.undecided).toBe(1)
    expect(app.compare.held).toBe(0)
    await app.close()
    const endpoint = buildReport([db]).endpoints[0]
    expect(endpoint.undecided).toBe(1)
    expect(endpoint.divergent).toBe(1)
    expect(endpoint.fields.find((f) => f.field === '/score' && f.op === 'undecided')).toMatchObject({ count: 1, decision: 'undecided' })
    const diffs = listDivergences([db], { limit: 10 })
    expect(diffs).toHaveLength(1)
    expect(diffs[0]).toMatchObject({ url: '/s/0', kinds: ['undecided'], verdict: 'undecided' })
  })
})

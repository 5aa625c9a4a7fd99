import { describe, expect, it } from 'vitest'
import { request } from 'undici'
import { Sampler } from '../../src/mirror/sampler.js'
import { json, startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'

describe('deterministic sampling', () => {
  it('admits exactly percent of requests, evenly spread', () => {
    const s = new Sampler(10)
    const admitted = Array.from({ length: 100 }, () => s.take())
    expect(admitted.filter(Boolean)).toHaveLength(10)
    // Evenly: one in each run of ten.
    for (let i = 0; i < 100; i += 10) expect(admitted.slice(i, i + 10).filter(Boolean)).toHaveLength(1)
    const frac = new Sampler(2.5)
    expect(Array.from({ length: 1000 }, () => frac.take()).filter(Boolean)).toHaveLength(25)
  })

  it('mirrors exactly 10 of 100 requests at --sample 10 and counts the rest as skipped', async () => {
    let candidateHits = 0
    const primary = await startUpstream((_req, res) => json(res, 200, {}))
    const candidate = await startUpstream((_req, res) => {
      candidateHits++
      json(res, 200, {})
    })
    const { proxyUrl, app } = await startProxy({ primary, candidate, mirror: { sample: 10 } })
    for (let i = 0; i < 100; i++) await (await request(`${proxyUrl}/i/${i}`)).body.dump()
    await app.drain()
    expect(candidateHits).toBe(10)
    expect(app.stats.compared).toBe(10)
    expect(app.stats.skippedBy.sampledOut).toBe(90)
  })
})

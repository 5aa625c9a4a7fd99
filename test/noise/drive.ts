/**
 * Drives traffic through a started proxy and scores what the compare stage
 * reported against the fixture's planted regressions, exchange by exchange.
 */
import { request } from 'undici'
import type { App } from '../../src/app.js'
import { fieldsOf } from '../../src/store/divergence-fields.js'
import { plantedFields } from '../fixtures/noisy-service.js'

export interface Score {
  exchanges: number
  /** Planted (exchange, field) pairs. */
  planted: number
  found: number
  /** Reported (exchange, field) pairs that were not planted. */
  falseAlarms: number
  missed: string[]
  alarms: string[]
  /** Exchanges with at least one difference classed as noise. */
  withNoise: number
}

/** The request paths of a run: 80 % users, 20 % orders, consecutive ids so every planted case occurs. */
export function paths(count: number): string[] {
  let users = 0
  let orders = 0
  return Array.from({ length: count }, (_, i) => (i % 5 === 4 ? `/orders/${orders++}` : `/users/${users++}`))
}

/** Sends every path through the proxy, `concurrency` at a time, then drains the pipeline. */
export async function drive(app: App, proxyUrl: string, list: readonly string[], concurrency = 8): Promise<Score> {
  const seen: { url: string; fields: string[]; noise: boolean }[] = []
  app.compare.observe((ex, noise) => seen.push({ url: ex.request.url, fields: fieldsOf(ex.divergences).map((f) => `${f.op} ${f.field}`), noise: noise.length > 0 }))
  let next = 0
  const worker = async () => {
    while (next < list.length) {
      const path = list[next++]
      const res = await request(proxyUrl + path)
      await res.body.dump()
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  await app.drain()
  const score: Score = { exchanges: seen.length, planted: 0, found: 0, falseAlarms: 0, missed: [], alarms: [], withNoise: 0 }
  for (const s of seen) {
    const expected = plantedFields(s.url)
    if (s.noise) score.withNoise++
    for (const e of expected) {
      score.planted++
      if (s.fields.includes(e)) score.found++
      else score.missed.push(`${s.url}: ${e}`)
    }
    for (const f of s.fields) {
      if (!expected.includes(f)) {
        score.falseAlarms++
        score.alarms.push(`${s.url}: ${f}`)
      }
    }
  }
  return score
}

import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startProxy, tempDir } from '../helpers/proxy.js'
import { checkRules } from '../../src/rules/load-rules.js'
import { readRecorded } from '../../src/noise/suggest-input.js'
import { suggestRules } from '../../src/noise/suggest-rules.js'
import { renderSuggestions } from '../../src/noise/suggest-yaml.js'
import { startNoisyService } from '../fixtures/noisy-service.js'
import { drive, paths } from './drive.js'

describe('rules suggest, run without a secondary', () => {
  it('suggests rules that, once applied, report the planted regressions with no false alarm and no secondary', async () => {
    const primary = await startNoisyService('primary')
    const candidate = await startNoisyService('candidate')

    // 1. A run without a secondary and without rules: everything differs.
    const first = await startProxy({ primary, candidate })
    const raw = await drive(first.app, first.proxyUrl, paths(300))
    await first.app.close()
    expect(raw.falseAlarms).toBeGreaterThan(500)

    // 2. Suggestions from what it recorded: a valid rule file, every suggestion with its evidence.
    const routes = suggestRules(readRecorded([first.db]))
    const text = renderSuggestions(routes, { sources: [first.db], generatedAt: '2025-01-01T00:00:00.000Z' })
    const file = join(tempDir(), 'suggested.yaml')
    writeFileSync(file, text)
    expect(checkRules(file)).toEqual([])
    console.log(text)
    const users = routes.find((r) => r.route === '/users/:id')!
    const kinds = users.suggestions.map((s) => `${s.kind} ${'pointer' in s ? s.pointer : s.header}`).sort()
    expect(kinds).toEqual([
      'compare-header cache-control',
      'ignore /generatedAt',
      'ignore /requestId',
      'ignore /token',
      'keyed /items',
      'tolerance /items/*/weight',
      'tolerance /score',
      'unordered /tags',
    ])
    expect(text).toMatch(/# differs in \d+ of \d+ recorded exchanges, never the same value twice, \d+ times as uuid → uuid/)
    // What a suggestion would also hide is said, not silently swallowed.
    expect(users.suggestions.find((s) => 'pointer' in s && s.pointer === '/generatedAt')).toMatchObject({ warning: expect.stringMatching(/FORMAT changed.*http-date/) })
    expect(users.suggestions.find((s) => s.kind === 'unordered')).toMatchObject({ warning: expect.stringContaining('lost "gamma"') })
    expect(users.notCompared.join(' ')).toMatch(/x-instance-nonce \(random per response/)

    // 3. The same traffic with the suggested rules and still no secondary.
    const second = await startProxy({ primary, candidate, rules: file })
    const score = await drive(second.app, second.proxyUrl, paths(300))
    console.log(
      `noise, suggested rules without secondary: ${score.found}/${score.planted} planted found, ${score.falseAlarms} false alarms; ` +
        `missed kinds: ${[...new Set(score.missed.map((m) => m.split(': ')[1]))].join(', ') || 'none'}`,
    )
    expect(score.alarms).toEqual([])
    // Rules cannot compare a value's format: the ISO → RFC 1123 change of an
    // ignored timestamp is only caught with a secondary or learned noise.
    expect(score.missed.filter((m) => !m.endsWith('replace /generatedAt'))).toEqual([])
    expect(score.found).toBe(score.planted - score.missed.length)
    expect(score.found).toBeGreaterThan(150)
  })
})

/**
 * `shadowdiff promote` while one runs (issue 14): exit 2 with the running
 * plan, with or without --no-wait (never "following it" as if the new steps
 * ran), unless --replace.
 */
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { startPair } from './promotion-kit.js'

describe('promote while a promotion runs', () => {
  it('exits 2 with the running plan, and --replace starts the new one', async () => {
    const { app, adminUrl } = await startPair({ divergent: false, failing: false })
    const first = await runCli(['promote', '--steps', '5,100', '--interval', '10m', '--no-wait', '--admin', adminUrl])
    expect(first.code).toBe(0)
    for (const extra of [[], ['--no-wait']]) {
      const again = await runCli(['promote', '--steps', '1,25,100', '--interval', '1m', ...extra, '--admin', adminUrl])
      expect(again.code, extra.join(' ')).toBe(2)
      expect(again.stderr).toContain('a promotion is already running; your steps were NOT started')
      expect(again.stderr).toContain('"steps":[5,100]')
      expect(app.promotion.status().plan!.steps).toEqual([5, 100])
    }
    const replaced = await runCli(['promote', '--steps', '1,25,100', '--interval', '1m', '--replace', '--no-wait', '--max-interval', '3m', '--on-inconclusive', 'pause', '--admin', adminUrl])
    expect(replaced.code).toBe(0)
    expect(app.promotion.status()).toMatchObject({ state: 'running', step: 1, weight: 1, plan: { steps: [1, 25, 100], maxIntervalMs: 180_000, onInconclusive: 'pause' } })
    const bad = await runCli(['promote', '--steps', '1,100', '--interval', '1m', '--max-interval', '30s', '--admin', adminUrl])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("--max-interval must be at least --interval (1m), got '30s'")
    app.promotion.abort('test over')
  })
})

import { describe, expect, it } from 'vitest'
import { parseDuration, parsePercent, parseSteps, SPLIT_DEFAULTS, validateSplitOptions } from '../../src/split/split-options.js'

describe('split options', () => {
  it('defaults: no sticky key, override off, served-by header on, rollback 30s / 5% / 20', () => {
    expect(validateSplitOptions()).toEqual({
      stickyKey: undefined,
      routeOverrideHeader: undefined,
      servedByHeader: 'x-shadowdiff-served-by',
      rollback: { windowMs: 30_000, maxFailurePercent: 5, minRequests: 20 },
    })
    expect(validateSplitOptions()).toEqual(SPLIT_DEFAULTS)
    expect(Object.isFrozen(validateSplitOptions().rollback)).toBe(true)
  })

  it('parses every option', () => {
    expect(
      validateSplitOptions({
        stickyCookie: 'Session',
        routeOverrideHeader: true,
        servedByHeader: 'X-Served-By',
        rollbackWindow: '1m',
        rollbackMaxFailureRate: '2.5%',
        rollbackMinRequests: '50',
      }),
    ).toEqual({
      stickyKey: { cookie: 'Session' },
      routeOverrideHeader: 'x-shadowdiff-route',
      servedByHeader: 'x-served-by',
      rollback: { windowMs: 60_000, maxFailurePercent: 2.5, minRequests: 50 },
    })
    expect(validateSplitOptions({ stickyHeader: 'X-User', routeOverrideHeader: 'X-Pin', servedByHeader: false })).toMatchObject({
      stickyKey: { header: 'x-user' },
      routeOverrideHeader: 'x-pin',
      servedByHeader: undefined,
    })
  })

  it('throws if --sticky-header and --sticky-cookie are both given', () => {
    expect(() => validateSplitOptions({ stickyHeader: 'x-user', stickyCookie: 'sid' })).toThrow(
      "Invalid config: --sticky-header and --sticky-cookie are mutually exclusive (the key comes from one place), got --sticky-header 'x-user' and --sticky-cookie 'sid'",
    )
  })

  it('collects every problem into one error naming flag and value', () => {
    let message = ''
    try {
      validateSplitOptions({
        stickyHeader: 'x user',
        rollbackWindow: '5x',
        rollbackMaxFailureRate: '150',
        rollbackMinRequests: '0',
        colour: 'blue',
      } as never)
    } catch (err) {
      message = (err as Error).message
    }
    expect(message).toContain("unknown split option 'colour'")
    expect(message).toContain("--sticky-header: expected a header name (letters, digits, -_.!#$%&'*+^`|~), got 'x user'")
    expect(message).toContain("--rollback-window: expected a duration like 30s or 5m, got '5x'")
    expect(message).toContain("--rollback-max-failure-rate: expected a percentage from 0 to 100 like 5 or 0.5%, got '150'")
    expect(message).toContain("--rollback-min-requests: expected a whole number ≥ 1, got '0'")
  })

  it('parseDuration accepts ms, s, m, h and rejects the rest', () => {
    expect(['250ms', '30s', '5m', '1.5h', ' 2s '].map((d) => parseDuration(d))).toEqual([250, 30_000, 300_000, 5_400_000, 2000])
    expect(parseDuration(1234)).toBe(1234)
    expect(() => parseDuration('5x')).toThrow("Invalid config: --interval: expected a duration like 30s or 5m, got '5x'")
    for (const bad of ['', '5', '0s', '-1s', 's', '1d']) expect(() => parseDuration(bad)).toThrow(/--interval: expected a duration/)
    expect(() => parseDuration('x', '--rollback-window')).toThrow("--rollback-window: expected a duration like 30s or 5m, got 'x'")
  })

  it('parsePercent accepts 5, 5%, 0.5% and rejects values outside 0–100', () => {
    expect([parsePercent('5', '--f'), parsePercent('5%', '--f'), parsePercent('0.5%', '--f'), parsePercent(7, '--f')]).toEqual([5, 5, 0.5, 7])
    expect(() => parsePercent('101', '--f')).toThrow("--f: expected a percentage from 0 to 100 like 5 or 0.5%, got '101'")
    expect(() => parsePercent('five', '--f')).toThrow(/got 'five'/)
  })

  it('parseSteps reads weights and pause markers', () => {
    expect(parseSteps('1,5,25,50,100')).toEqual({ steps: [1, 5, 25, 50, 100], pauseAt: [] })
    expect(parseSteps('0.5, 5%, pause, 25, PAUSE, 100')).toEqual({ steps: [0.5, 5, 25, 100], pauseAt: [5, 25] })
  })

  it('parseSteps throws naming the bad item', () => {
    expect(() => parseSteps('1,5,x')).toThrow("Invalid config: --steps: item 3: expected a weight in (0, 100] or 'pause', got 'x'")
    expect(() => parseSteps('5,1')).toThrow('--steps: item 2: weights must increase, got 1 after 5')
    expect(() => parseSteps('0,5')).toThrow("--steps: item 1: expected a weight in (0, 100] or 'pause', got '0'")
    expect(() => parseSteps('1,150')).toThrow("got '150'")
    expect(() => parseSteps('pause,5')).toThrow("--steps: item 1: 'pause' must follow a weight")
    expect(() => parseSteps('5,pause,pause')).toThrow("--steps: item 3: 'pause' repeated after 5")
    expect(() => parseSteps('5,100,pause')).toThrow("--steps: 'pause' after the last step (100) has nothing to continue to")
    expect(() => parseSteps('5,50,pause')).toThrow("--steps: 'pause' after the last step (50) has nothing to continue to")
    expect(() => parseSteps('')).toThrow("--steps: item 1: expected a weight in (0, 100] or 'pause', got ''")
  })
})

/** parseFlags in our words: negative numbers reach the number check, missing values and typos are named, old-style specs still parse. */
import { describe, expect, it } from 'vitest'
import { int, num, parseCommandFlags, parseFlags, UnknownFlag, type FlagSpec } from '../../src/cli/parse-flags.js'

const SPEC = {
  weight: { type: 'string', arg: 'PERCENT', help: 'share' },
  limit: { type: 'string', short: 'n', arg: 'N', help: 'at most N' },
  force: { type: 'boolean', help: 'overwrite' },
  port: { type: 'string', arg: 'N', help: 'port' },
} satisfies FlagSpec

describe('parseFlags', () => {
  it('passes a negative number on as the value, for the command to judge', () => {
    const { values } = parseFlags(['--weight', '-5', '-n', '-2'], SPEC)
    expect(values).toMatchObject({ weight: '-5', limit: '-2' })
    expect(() => num(values, 'weight', 0, 100)).toThrow("--weight: expected a number from 0 to 100, got '-5'")
    expect(() => int(values, 'limit', 1)).toThrow("--limit: expected a whole number from 1 to 9007199254740991, got '-2'")
  })

  it('names a missing value, and a flag given where a value was expected', () => {
    expect(() => parseFlags(['--weight'], SPEC)).toThrow('--weight: expected PERCENT after it, got nothing')
    expect(() => parseFlags(['--weight', '--force'], SPEC)).toThrow("--weight: expected PERCENT after it, got the flag '--force'")
    expect(() => parseFlags(['-n', '-h'], SPEC)).toThrow("-n: expected N after it, got the flag '-h'")
    expect(() => parseFlags(['--force=yes'], SPEC)).toThrow('--force takes no value')
  })

  it('unknown flags are UnknownFlag, with the nearest flag when one is close', () => {
    const err = (() => {
      try {
        parseFlags(['--prot', '1'], SPEC)
      } catch (e) {
        return e
      }
    })()
    expect(err).toBeInstanceOf(UnknownFlag)
    expect((err as UnknownFlag).flag).toBe('--prot')
    expect((err as Error).message).toBe("unknown flag '--prot' (did you mean --port?)")
    expect(() => parseFlags(['--sticky-header', 'x'], SPEC)).toThrow("unknown flag '--sticky-header'")
    expect(() => parseFlags(['-x'], SPEC)).toThrow("unknown flag '-x'")
  })

  it('keeps --name=value, and everything after --', () => {
    expect(parseFlags(['--weight=-1.5'], SPEC).values.weight).toBe('-1.5')
    expect(parseFlags(['--', '--weight'], SPEC, true).positionals).toEqual(['--weight'])
  })

  it("still takes today's bare parseArgs specs and the (argv, FLAGS, USAGE) form, so work in progress merges", () => {
    const bare: FlagSpec = { steps: { type: 'string' }, help: { type: 'boolean', short: 'h' } }
    expect(parseCommandFlags(['--steps', '1,5'], bare, 'Usage: x')?.values.steps).toBe('1,5')
  })
})

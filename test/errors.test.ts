import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { registry, ConfigInvalid, ShadowdiffError } from '../src/errors.js'

describe('errors', () => {
  it('formats the message and keeps the code and cause', () => {
    const cause = new Error('boom')
    const err = new ConfigInvalid("mirror.sample must be 0–100, got '150'", { cause })
    expect(err).toBeInstanceOf(ShadowdiffError)
    expect(err.code).toBe('SHD_CONFIG_INVALID')
    expect(err.message).toBe("Invalid config: mirror.sample must be 0–100, got '150'")
    expect(err.cause).toBe(cause)
  })

  it('documents every error code in README.md', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
    const missing = [...registry.keys()].filter((code) => !readme.includes(`\`${code}\``))
    expect(missing).toEqual([])
  })
})

import { describe, expect, it } from 'vitest'
import { chooseSide, DEFAULT_ROUTE_OVERRIDE_HEADER, readOverride } from '../../src/split/sticky-router.js'
import type { TrafficState } from '../../src/split/traffic-mode.js'

const states: TrafficState[] = [
  { mode: 'shadow', weight: 0, reverseShadow: false },
  { mode: 'split', weight: 50, reverseShadow: false },
  { mode: 'candidate', weight: 100, reverseShadow: true },
]

describe('tester override header', () => {
  it('is off unless a header name is configured', () => {
    expect(readOverride({ 'x-shadowdiff-route': 'candidate' }, undefined)).toBeUndefined()
  })

  it('pins the request to the named side in every mode, whatever the key', () => {
    const name = DEFAULT_ROUTE_OVERRIDE_HEADER
    for (const state of states) {
      for (const key of ['user-1', 'user-2', undefined]) {
        expect(chooseSide(state, key, readOverride({ [name]: 'candidate' }, name))).toBe('candidate')
        expect(chooseSide(state, key, readOverride({ [name]: 'primary' }, name))).toBe('primary')
      }
    }
  })

  it('accepts any case and surrounding spaces, and a configured name in any case', () => {
    expect(readOverride({ 'x-pin': ' Candidate ' }, 'X-Pin')).toBe('candidate')
    expect(readOverride({ 'x-pin': ['PRIMARY', 'candidate'] }, 'x-pin')).toBe('primary')
  })

  it('ignores unknown values so a tester typo never fails a real request', () => {
    expect(readOverride({ 'x-pin': 'canidate' }, 'x-pin')).toBeUndefined()
    expect(readOverride({}, 'x-pin')).toBeUndefined()
  })
})

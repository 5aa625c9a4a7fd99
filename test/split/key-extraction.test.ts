import { describe, expect, it } from 'vitest'
import { keyExtractor, readCookie } from '../../src/split/sticky-router.js'

describe('sticky key extraction', () => {
  it('reads a header by name, case-insensitively, first value of a repeated header', () => {
    const keyOf = keyExtractor({ header: 'X-User-Id' })
    expect(keyOf({ 'x-user-id': 'u-42' })).toBe('u-42')
    expect(keyOf({ 'x-user-id': ['u-1', 'u-2'] })).toBe('u-1')
    expect(keyOf({ 'x-user-id': '' })).toBeUndefined()
    expect(keyOf({})).toBeUndefined()
  })

  it('reads only the named cookie', () => {
    const keyOf = keyExtractor({ cookie: 'sid' })
    expect(keyOf({ cookie: 'theme=dark; sid=abc123; lang=en' })).toBe('abc123')
    expect(keyOf({ cookie: 'sid=first' })).toBe('first')
    expect(keyOf({ cookie: 'theme=dark' })).toBeUndefined()
    expect(keyOf({})).toBeUndefined()
  })

  it('does not match a cookie whose name merely contains the wanted name', () => {
    expect(readCookie('xsid=wrong; sid_old=wrong; sid=right', 'sid')).toBe('right')
    expect(readCookie('a=sid=wrong', 'sid')).toBeUndefined()
  })

  it('unwraps quoted values, trims spaces, joins split HTTP/2 cookie fields, first occurrence wins', () => {
    expect(readCookie('sid="q v"', 'sid')).toBe('q v')
    expect(readCookie('a=1;sid= x ;b=2', 'sid')).toBe('x')
    expect(readCookie(['a=1', 'sid=h2'], 'sid')).toBe('h2')
    expect(readCookie('sid=one; sid=two', 'sid')).toBe('one')
    expect(readCookie('sid=', 'sid')).toBeUndefined()
  })

  it('returns no key when no source is configured', () => {
    expect(keyExtractor(undefined)({ cookie: 'sid=1', 'x-user': '2' })).toBeUndefined()
  })
})

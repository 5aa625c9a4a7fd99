import { describe, expect, it } from 'vitest'
import { compileRules } from '../../src/rules/load-rules.js'
import { request } from '../diff/responses.js'

const rs = compileRules([
  {
    file: 'a.yaml',
    text: `rules:
  - name: users
    route: users-by-id
    match: { method: [get, HEAD], path: /api/users/:id }
  - name: static
    match: { path: /static/* }
  - name: api
    match: { path: /api/** }
  - name: search
    match: { path: /search, query: { q: { pattern: '^a' }, page: 1, debug: false } }
  - name: beta
    match: { header: { X-Beta: true, accept: application/json } }
  - match: { method: DELETE }
`,
  },
])
const names = (method: string, url: string, headers = {}) => rs.match(request(method, url, headers)).rules

describe('RuleSet.match', () => {
  it('matches methods (one or a list, any case) and :param / * / ** path patterns', () => {
    expect(names('GET', '/api/users/42')).toEqual(['users', 'api'])
    expect(names('POST', '/api/users/42')).toEqual(['api'])
    expect(names('GET', '/api/users/42/')).toEqual(['users', 'api'])
    expect(names('GET', '/api/users/42/orders')).toEqual(['api'])
    expect(names('GET', '/api')).toEqual(['api'])
    expect(names('GET', '/static/app.js')).toEqual(['static'])
    expect(names('GET', '/static/js/app.js')).toEqual([])
    expect(names('GET', '/apix')).toEqual([])
  })

  it('matches query conditions: exact value, number, regex, absent', () => {
    expect(names('GET', '/search?q=abc&page=1')).toEqual(['search'])
    expect(names('GET', '/search?q=abc&page=2')).toEqual([])
    expect(names('GET', '/search?q=xbc&page=1')).toEqual([])
    expect(names('GET', '/search?q=abc&page=1&debug=1')).toEqual([])
  })

  it('matches header conditions case-insensitively by name', () => {
    expect(names('GET', '/x', { 'x-beta': '1', accept: 'application/json' })).toEqual(['beta'])
    expect(names('GET', '/x', { accept: 'application/json' })).toEqual([])
  })

  it('names unnamed rules file#index', () => {
    expect(names('DELETE', '/x')).toEqual(['a.yaml#5'])
  })

  it('route: first matching route name, else first path pattern, else the derived path', () => {
    expect(rs.match(request('GET', '/api/users/42')).route).toBe('users-by-id')
    expect(rs.match(request('POST', '/api/users/42')).route).toBe('/api/**')
    expect(rs.match(request('DELETE', '/orders/17'))).toMatchObject({ route: '/orders/:id', rules: ['a.yaml#5'] })
  })

  it('caches per combination of rules: the same policy object, no per-request merge', () => {
    const a = rs.match(request('GET', '/api/users/1'))
    const b = rs.match(request('HEAD', '/api/users/2'))
    expect(a.policy).toBe(b.policy)
    expect(a).toBe(b)
    const c = rs.match(request('DELETE', '/orders/1'))
    const d = rs.match(request('DELETE', '/orders/2'))
    expect(c.policy).toBe(d.policy)
    expect(c.route).not.toBe(d.route === c.route ? undefined : d.route)
  })

  it('works beyond 31 rules (string keys instead of a bitmask)', () => {
    const many = Array.from({ length: 40 }, (_, i) => `  - name: r${i}\n    match: { path: /p/${i} }\n`).join('')
    const big = compileRules([{ file: 'm.yaml', text: 'rules:\n' + many + '  - name: all\n' }])
    expect(big.match(request('GET', '/p/35')).rules).toEqual(['r35', 'all'])
    expect(big.match(request('GET', '/p/35')).policy).toBe(big.match(request('GET', '/p/35')).policy)
  })
})

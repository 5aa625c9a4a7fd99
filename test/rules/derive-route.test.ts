import { describe, expect, it } from 'vitest'
import { deriveRoute } from '../../src/rules/derive-route.js'

describe('deriveRoute', () => {
  it.each([
    ['/api/users/42', '/api/users/:id'],
    ['/api/users/42/orders/7', '/api/users/:id/orders/:id'],
    ['/o/3f2b9c1e-8a4d-4b6e-9f00-1a2b3c4d5e6f', '/o/:id'],
    ['/o/507f1f77bcf86cd799439011', '/o/:id'],
    ['/o/01ARZ3NDEKTSV4RRFFQ69G5FAV', '/o/:id'],
    ['/o/V1StGXR8_Z5jdHi6B-myT', '/o/:id'],
    ['/api/v2/getUserPreferencesV2', '/api/v2/getUserPreferencesV2'],
    ['/api/users/me', '/api/users/me'],
    ['/', '/'],
    ['/static/app.3f2b9c1e.js', '/static/app.3f2b9c1e.js'],
    ['/a/deadbeefdeadbeef/', '/a/:id/'],
  ])('%s → %s', (path, route) => {
    expect(deriveRoute(path)).toBe(route)
  })
})

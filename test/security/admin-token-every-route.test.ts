import { describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { listRoutes } from './admin-routes.js'

const TOKEN = 'test-admin-token-5b0c9e'

const WRONG: Record<string, Record<string, string>> = {
  'no Authorization header': {},
  'a wrong token': { authorization: 'Bearer wrong-token' },
  'the token with a suffix': { authorization: `Bearer ${TOKEN}x` },
  'a prefix of the token': { authorization: `Bearer ${TOKEN.slice(0, -1)}` },
  'an empty bearer token': { authorization: 'Bearer ' },
  'the token without the Bearer scheme': { authorization: TOKEN },
  'the token as Basic credentials': { authorization: `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}` },
  'the token in another header': { 'x-admin-token': TOKEN },
}

describe('admin API with a token: every route', () => {
  it('answers 401 without the right bearer token and works with it, for every registered route', async () => {
    const upstream = await startUpstream((_req, res) => res.end('ok'))
    const { app, adminUrl } = await startProxy({ primary: upstream, candidate: upstream, adminToken: TOKEN })
    const routes = listRoutes(app.admin)
    // The parser must see the routes we know of; new ones are covered automatically.
    expect(routes.map((r) => `${r.method} ${r.url}`)).toEqual(
      expect.arrayContaining(['GET /healthz', 'GET /api/status', 'GET /api/report', 'GET /api/diffs', 'GET /api/gate', 'POST /api/gate/flagger', 'POST /api/gate/flagger/rollback', 'POST /api/rules/reload', 'GET /reports/latest.html']),
    )
    // Plus paths no route serves: a 404 must not reveal which routes exist.
    const probes = [...routes, { method: 'GET', url: '/api/not-a-route' }, { method: 'DELETE', url: '/api/status' }]
    await Promise.all(
      probes.flatMap((route) =>
        Object.entries(WRONG).map(async ([name, headers]) => {
          const res = await request(adminUrl + route.url, { method: route.method as 'GET', headers })
          const text = await res.body.text()
          expect(res.statusCode, `${route.method} ${route.url} with ${name}`).toBe(401)
          expect(res.headers['www-authenticate']).toBe('Bearer realm="shadowdiff"')
          if (route.method !== 'HEAD') expect(JSON.parse(text).error.code).toBe('SHD_UNAUTHORIZED')
        }),
      ),
    )
    for (const route of routes) {
      const res = await request(adminUrl + route.url, { method: route.method as 'GET', headers: { authorization: `Bearer ${TOKEN}` } })
      await res.body.dump()
      // Gates may answer 403/409, a reload 422: anything but 401 and 5xx.
      expect(res.statusCode, `${route.method} ${route.url} with the token`).not.toBe(401)
      expect(res.statusCode, `${route.method} ${route.url} with the token`).toBeLessThan(500)
    }
  })

  it('without a token the admin API binds 127.0.0.1 only', async () => {
    const upstream = await startUpstream((_req, res) => res.end('ok'))
    const { app } = await startProxy({ primary: upstream, candidate: upstream })
    expect(app.config.adminHost).toBe('127.0.0.1')
    expect((app.admin.server.address() as { address: string }).address).toBe('127.0.0.1')
  })
})

/**
 * The live reports on the admin port: `/reports/latest.html` (what a
 * reviewer opens while the shadow runs) and `/reports/latest.md` (what a
 * pipeline step pastes into a PR), built from everything compared so far,
 * with the same threshold and window parameters as `/api/gate`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { same, scratchDir, startShadow, type Started } from './record-traffic.js'

const { dir, cleanup } = scratchDir()
let shadow: Started

beforeAll(async () => {
  shadow = await startShadow(dir, 'live', {
    primary: same,
    candidate: (path) => (path.startsWith('/api/orders') ? { body: { path, name: 'Bob', tags: ['a', 'b'] } } : same(path)),
  })
  await shadow.send({ '/api/users/1': 30, '/api/orders/7': 10 })
})
afterAll(async () => {
  await shadow?.close()
  cleanup()
})

async function get(path: string) {
  const res = await request(`${shadow.adminUrl}${path}`)
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() }
}

describe('live reports on the admin port', () => {
  it('/reports/latest.html is a self-contained page of the recording so far', async () => {
    const r = await get('/reports/latest.html')
    expect(r.status).toBe(200)
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(r.headers['content-security-policy']).toMatch(/default-src 'none'/)
    expect(r.text).toMatch(/^<!doctype html>/)
    expect(r.text).toContain('GET /api/orders/:id')
    expect(r.text).toContain('✕ FAIL')
    expect(r.text.match(/\s(?:src|href|action|srcset)\s*=\s*["']?\s*(?:https?:)?\/\//gi)).toBeNull()
  })

  it('/reports/latest.md carries the verdict, the totals and an example diff, judged with query thresholds', async () => {
    const strict = await get('/reports/latest.md')
    expect(strict.status).toBe(200)
    expect(strict.headers['content-type']).toBe('text/markdown; charset=utf-8')
    expect(strict.text).toMatch(/^## ❌ shadowdiff: FAIL\n/)
    expect(strict.text).toMatch(/^\| 40 \| 40 \| 10 \| 25\.0% \|/m)
    expect(strict.text).toMatch(/^```diff\n[\s\S]*-  "name": "Ada",\n\+  "name": "Bob",/m)

    const loose = await get('/reports/latest.md?minSamples=40&maxDivergence=1')
    expect(loose.text).toMatch(/^## ✅ shadowdiff: PASS\n/)
    const empty = await get('/reports/latest.md?until=2020-01-01T00:00:00Z')
    expect(empty.text).toContain('Nothing was compared in this window')
  })

  it('refuses a malformed parameter with 400 rather than a report judged on the wrong thresholds', async () => {
    const r = await get('/reports/latest.md?maxErrorRate=5')
    expect(r.status).toBe(400)
    expect(JSON.parse(r.text)).toEqual({ error: { code: 'SHD_USAGE', message: "maxErrorRate: expected a rate from 0 to 1 (or a percentage like 1%), got '5'" } })
  })
})

/**
 * `shadowdiff diffs --route`: the endpoint exactly as reports print it
 * (`GET /search`) or the bare route, `--method`, and a word on stderr when
 * nothing matched (stdout stays empty NDJSON).
 */
import { describe, expect, it } from 'vitest'
import { request } from 'undici'
import { json, startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { runCli } from '../helpers/cli.js'

describe('shadowdiff diffs --route / --method', () => {
  it('accepts "GET /search" and "/search", filters by method, and says so when nothing matched', async () => {
    const { proxyUrl, app, db } = await startProxy({
      primary: await startUpstream((req, res) => json(res, 200, { url: req.url, v: 1 })),
      // A HEAD has no body to differ in: the candidate answers it 404.
      candidate: await startUpstream((req, res) => json(res, req.method === 'HEAD' ? 404 : 200, { url: req.url, v: 2 })),
      mirror: { methods: ['GET', 'HEAD'] },
    })
    for (let i = 0; i < 3; i++) await (await request(`${proxyUrl}/search?q=${i}`)).body.dump()
    for (let i = 0; i < 2; i++) await (await request(`${proxyUrl}/api/users/${i}`)).body.dump()
    await (await request(`${proxyUrl}/search?q=h`, { method: 'HEAD' })).body.dump()
    await app.drain()
    await app.close()

    const rows = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { method: string; route: string })
    const [asPrinted, bare, headOnly, lower, none, conflict] = await Promise.all([
      runCli(['diffs', '--db', db, '--route', 'GET /search']),
      runCli(['diffs', '--db', db, '--route', '/search']),
      runCli(['diffs', '--db', db, '--route', '/search', '--method', 'head']),
      runCli(['diffs', '--db', db, '--route', 'get /search']),
      runCli(['diffs', '--db', db, '--route', 'POST /search']),
      runCli(['diffs', '--db', db, '--route', 'GET /search', '--method', 'POST']),
    ])
    expect(rows(asPrinted.stdout).map((r) => `${r.method} ${r.route}`)).toEqual(['GET /search', 'GET /search', 'GET /search'])
    expect(asPrinted.stderr).toBe('')
    expect(rows(bare.stdout)).toHaveLength(4)
    expect(rows(headOnly.stdout).map((r) => r.method)).toEqual(['HEAD'])
    expect(rows(lower.stdout)).toHaveLength(3)

    expect(none.code).toBe(0)
    expect(none.stdout).toBe('')
    expect(none.stderr).toBe(
      "shadowdiff diffs: no divergent exchanges match 'POST /search'; endpoints with divergences:\n  GET /search (3)\n  GET /api/users/:id (2)\n  HEAD /search (1)\n",
    )
    expect(conflict.code).toBe(2)
    expect(conflict.stderr).toMatch(/^shadowdiff diffs: SHD_USAGE: --route 'GET \/search' names the method GET but --method is POST: give one of them\n/)
  })
})

import { describe, expect, it } from 'vitest'
import { readdirSync, readFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import type http from 'node:http'
import { request } from 'undici'
import { startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { runCli } from '../helpers/cli.js'
import { buildReport } from '../../src/report/build-report.js'
import { REPORT_FORMATS, renderReport } from '../../src/report/render-report.js'
import { getExchange, listDivergences } from '../../src/store/list-divergences.js'

// Every secret holds "SECRET-"; nothing stored or reported may contain one.
const S = {
  authorization: 'Bearer SECRET-authz-7f3a',
  proxyAuthorization: 'Basic SECRET-proxyauth-91c2',
  cookie: 'session=SECRET-cookie-4d8e; theme=dark',
  apiKey: 'SECRET-apikey-5e6f',
  query: 'SECRET-query-2b3c',
  password: 'SECRET-password-8a9b',
  requestToken: 'SECRET-reqtoken-0c1d',
}
const SIDE = (side: 'p' | 'c') => ({
  setCookie: `sid=SECRET-setcookie-${side}-11; HttpOnly`,
  apiKey: `SECRET-resp-apikey-${side}`,
  token: `SECRET-resptoken-${side}-33`,
  nestedToken: `SECRET-resptoken-${side}-44`,
})

/** A side that answers JSON holding secrets (differing by side, so they show up in divergences). */
function secretive(side: 'p' | 'c', received: string[]) {
  const s = SIDE(side)
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      received.push(JSON.stringify(req.headers) + req.url + body)
      res.setHeader('set-cookie', [s.setCookie, 'plain=VISIBLE-cookie-name'])
      res.setHeader('x-api-key', s.apiKey)
      res.setHeader('x-visible', `VISIBLE-${side}`)
      res.setHeader('content-type', 'application/json')
      if (req.url?.startsWith('/big')) {
        // Longer than the capture cap: only a truncated, unparsable prefix is kept.
        return res.end(JSON.stringify({ token: s.token, name: `VISIBLE-big-${side}`, pad: 'x'.repeat(8000) }))
      }
      res.end(JSON.stringify({ id: 1, token: s.token, profile: { token: s.nestedToken, name: side === 'p' ? 'Ann' : 'VISIBLE-Anne' } }))
    })
  }
}

/** All bytes of the database files (.db, -wal, -shm) as latin1 text. */
function databaseBytes(db: string): { files: string[]; text: string } {
  const files = readdirSync(dirname(db)).filter((f) => f.startsWith(basename(db)))
  return { files, text: files.map((f) => readFileSync(join(dirname(db), f)).toString('latin1')).join('\n') }
}

function expectNoSecret(text: string, where: string): void {
  const found = text.match(/SECRET-[a-z-]+[0-9a-f]*/g)
  expect(found, `${where} leaks ${found?.join(', ')}`).toBeNull()
}

describe('redaction before storage', () => {
  it('no secret from headers, cookies, query or JSON bodies reaches the database files, any report format, or `shadowdiff diffs`', async () => {
    const receivedP: string[] = []
    const receivedC: string[] = []
    const { proxyUrl, adminUrl, app, db } = await startProxy({
      primary: await startUpstream(secretive('p', receivedP)),
      candidate: await startUpstream(secretive('c', receivedC)),
      mirror: { methods: ['GET', 'POST'] },
      diff: { captureBytes: 2048 },
      store: { redactHeaders: ['X-Api-Key'], redactBody: ['/password', '/**/token'], redactQuery: ['api_key'] },
    })
    const headers = {
      authorization: S.authorization,
      'proxy-authorization': S.proxyAuthorization,
      cookie: S.cookie,
      'x-api-key': S.apiKey,
      'x-visible-request': 'VISIBLE-request-header',
      'content-type': 'application/json',
    }
    const requestBody = JSON.stringify({ user: 'VISIBLE-ann', password: S.password, nested: { deep: { token: S.requestToken } } })
    for (const [method, path] of [
      ['POST', `/login?api_key=${S.query}&page=2`],
      ['GET', `/profile?page=3&API_KEY=${S.query}`],
      ['GET', `/big?api_key=${S.query}`],
    ] as const) {
      const res = await request(proxyUrl + path, { method, headers, body: method === 'POST' ? requestBody : undefined })
      expect(res.statusCode).toBe(200)
      await res.body.dump()
    }
    await app.drain()
    // The secrets did travel (the test is not vacuous): both sides received them.
    for (const received of [receivedP, receivedC]) {
      expect(received).toHaveLength(3)
      for (const secret of Object.values(S)) expect(received.join('\n')).toContain(secret)
    }
    const rows = listDivergences([db])
    expect(rows).toHaveLength(3)

    // The live admin views.
    for (const path of ['/api/diffs', '/api/report', '/reports/latest.html', '/reports/latest.md', '/api/status']) {
      expectNoSecret(await (await request(adminUrl + path)).body.text(), `GET ${path}`)
    }
    // Database files while the proxy runs (WAL present)...
    const live = databaseBytes(db)
    expect(live.text).toContain('VISIBLE-Anne') // we are reading the right bytes
    expect(live.text).toContain('VISIBLE-request-header')
    expectNoSecret(live.text, `database files ${live.files.join(', ')}`)

    await app.close()
    // ...and after the final checkpoint.
    const closed = databaseBytes(db)
    expect(closed.text).toContain('VISIBLE-ann')
    expectNoSecret(closed.text, `database files after close ${closed.files.join(', ')}`)

    const report = buildReport([db])
    for (const format of REPORT_FORMATS) {
      const text = renderReport(report, format)
      expect(text.length).toBeGreaterThan(100)
      expectNoSecret(text, `report --format ${format}`)
    }
    for (const row of rows) expectNoSecret(JSON.stringify(getExchange([db], row.id), (_k, v) => (v?.type === 'Buffer' ? Buffer.from(v.data).toString('latin1') : v)), `stored exchange ${row.url}`)

    const diffs = await runCli(['diffs', '--db', db])
    expect(diffs.code).toBe(0)
    expect(diffs.stdout.trim().split('\n')).toHaveLength(3)
    expect(diffs.stdout).toContain('[REDACTED]')
    expectNoSecret(diffs.stdout + diffs.stderr, 'shadowdiff diffs')
  })
})

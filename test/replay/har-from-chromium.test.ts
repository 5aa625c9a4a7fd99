/**
 * A HAR recorded by a real browser: headless Chromium (Debian's, driven by
 * playwright-core's recordHar) loads two pages of a local service, whose
 * script fetches JSON and posts a search. The HAR is replayed against two
 * builds of the service that differ on known requests: exactly those are
 * flagged. The browser's own extras (favicon, HTTP/2-style headers, data:
 * URLs) must not get in the way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type http from 'node:http'
import { chromium, type Browser } from 'playwright-core'
import { startUpstream } from '../helpers/upstream.js'
import { tempDir } from '../helpers/proxy.js'
import { divergentSet, replay } from './replay-kit.js'

const CHROMIUM = '/usr/bin/chromium'

const PAGE = `<!doctype html><html><head><title>shop</title></head><body>
<h1>shop</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="">
<script>
(async () => {
  const users = await (await fetch('/api/users/1?fields=name')).json()
  const orders = await (await fetch('/api/orders/7')).json()
  const found = await (await fetch('/api/search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ q: 'gear', page: 1 }) })).json()
  document.body.insertAdjacentHTML('beforeend', '<p id="done">' + users.name + ' ' + orders.total + ' ' + found.hits + '</p>')
})()
</script></body></html>`

/** The shop; `v2` is the refactor with two planted differences. */
function shop(v2: boolean): http.RequestListener {
  return (req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]
      const json = (value: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        res.end(JSON.stringify(value))
      }
      if (path === '/' || path === '/about') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
        res.end(path === '/' ? PAGE : `<!doctype html><h1>About</h1><p>${v2 ? 'Since 2024' : 'Since 1843'}</p>${PAGE.slice(PAGE.indexOf('<script>'))}`)
      } else if (path === '/api/users/1') json({ id: 1, name: 'Ada', query: req.url })
      else if (path === '/api/orders/7') json({ id: 7, total: v2 ? 130 : 129.9 })
      else if (path === '/api/search' && req.method === 'POST') json({ hits: JSON.parse(body || '{}').q === 'gear' ? 3 : 0 })
      else {
        res.writeHead(404, { 'content-type': 'text/plain' })
        res.end('not found')
      }
    })
  }
}

let browser: Browser
beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does)`)
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
})
afterAll(async () => {
  await browser?.close()
})

// Each test runs the real CLI several times on a shared 2-core machine.
describe('replaying a HAR recorded by Chromium', { timeout: 120_000 }, () => {
  it('flags exactly the requests the candidate answers differently', async () => {
    const recorded = await startUpstream(shop(false))
    const dir = tempDir()
    const har = join(dir, 'browser.har')
    const context = await browser.newContext({ recordHar: { path: har } })
    const page = await context.newPage()
    for (const path of ['/', '/about']) {
      await page.goto(recorded + path)
      await page.locator('#done').waitFor({ timeout: 15_000 })
    }
    await context.close() // writes the HAR
    const entries = (JSON.parse(readFileSync(har, 'utf8')) as { log: { creator: { name: string }; entries: { request: { method: string; url: string } }[] } }).log
    expect(entries.creator.name).toBe('Playwright')
    const requested = entries.entries.map((e) => `${e.request.method} ${new URL(e.request.url).pathname}`)
    expect(requested).toEqual(expect.arrayContaining(['GET /', 'GET /about', 'GET /api/users/1', 'GET /api/orders/7', 'POST /api/search']))

    const primary = await startUpstream(shop(false))
    const candidate = await startUpstream(shop(true))
    const run = await replay(['--from', har, '--primary', primary, '--candidate', candidate, '--allow-unsafe', '--min-samples', '1'], { dir })
    expect(run.code, run.stdout + run.stderr).toBe(1)
    expect(run.stdout).toMatch(/^replay .*browser\.har \(har\): sent \d+/)
    expect(divergentSet(run.db)).toEqual(['GET /about', 'GET /api/orders/7', 'GET /api/orders/7'])
    // Every recorded HTTP request was sent (twice: two page loads), nothing else; none failed.
    const http = requested.filter((r) => !r.startsWith('GET data:'))
    expect(run.stdout).toContain(`sent ${http.length} in`)
    expect(run.stdout).toContain('errors 0')
    expect(run.stdout).toContain('POST /api/search: 0/2 divergent')

    // Without --allow-unsafe the search POSTs are left out, and said so.
    const safe = await replay(['--from', har, '--primary', primary, '--candidate', candidate, '--min-samples', '1'])
    expect(safe.stdout).toContain('skipped: 2 unsafe (POST ×2; replay them with --allow-unsafe)')
    expect(divergentSet(safe.db)).toEqual(['GET /about', 'GET /api/orders/7', 'GET /api/orders/7'])
  })
})

/**
 * A capture file never holds a redacted secret's value: real requests
 * through a real proxy (and a receiver), then the file's bytes are searched
 * for every secret. The redaction is the store's own (src/store/redact.ts):
 * Authorization, Cookie and Proxy-Authorization always, plus
 * store.redactHeaders, redactQuery, redactBody and redactPath.
 */
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { request } from 'undici'
import { startApp, startProxy, tempDir } from '../helpers/proxy.js'
import { jsonService } from '../replay/replay-kit.js'

const SECRETS = {
  authorization: 'Bearer s3cr3t-auth-token-0001',
  cookie: 'session=s3cr3t-cookie-0002',
  proxyAuthorization: 'Basic s3cr3t-proxy-0003',
  apiKey: 's3cr3t-api-key-0004',
  query: 's3cr3t-query-0005',
  password: 's3cr3t-password-0006',
  nested: 's3cr3t-nested-0007',
  path: 's3cr3t-path-token-0008',
  form: 's3cr3t-form-0009',
}

const STORE = { redactHeaders: ['x-api-key'], redactQuery: ['access_token'], redactBody: ['/password', '/**/secret'], redactPath: ['/password-reset/:token'] }

async function sendSecrets(base: string): Promise<void> {
  const headers = { authorization: SECRETS.authorization, cookie: SECRETS.cookie, 'proxy-authorization': SECRETS.proxyAuthorization, 'x-api-key': SECRETS.apiKey }
  const calls = [
    request(`${base}/api/users/1?access_token=${SECRETS.query}&page=2`, { headers }),
    request(`${base}/password-reset/${SECRETS.path}`, { headers }),
    request(`${base}/api/login`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'ada', password: SECRETS.password, profile: { secret: SECRETS.nested, city: 'London' } }),
    }),
    request(`${base}/api/form`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `user=ada&access_token=${SECRETS.form}` }),
  ]
  for (const res of await Promise.all(calls)) {
    expect(res.statusCode).toBeLessThan(300)
    await res.body.dump()
  }
}

function expectNoSecret(file: string): string[] {
  const bytes = readFileSync(file)
  for (const [name, secret] of Object.entries(SECRETS)) {
    // The value itself, and the part after a scheme or key (what a leak of a cut value would show).
    for (const needle of [secret, secret.split(/[ =]/).pop()!]) expect(bytes.includes(needle), `${name}: ${needle} is in the capture file`).toBe(false)
  }
  return bytes.toString('utf8').trim().split('\n')
}

describe('capture redaction', () => {
  it('serve --capture: every secret is [REDACTED] in the file; everything else is kept', async () => {
    const primary = await jsonService()
    const candidate = await jsonService()
    const file = join(tempDir(), 'captured.ndjson')
    const { app, proxyUrl } = await startProxy({ primary: primary.url, candidate: candidate.url, capture: { file }, store: STORE })
    await sendSecrets(proxyUrl)
    await app.drain()
    expect(app.capture!.stats()).toMatchObject({ written: 4, failed: 0, dropped: 0 })
    const lines = expectNoSecret(file)
    expect(lines).toHaveLength(4)
    const records = lines.map((l) => JSON.parse(l))
    const byPath = (p: string) => records.find((r) => new URL(r.url).pathname.startsWith(p))
    const users = byPath('/api/users/1')
    expect(users.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/users\/1\?access_token=\[REDACTED\]&page=2$/)
    expect(users.queryString).toEqual([
      { name: 'access_token', value: '[REDACTED]' },
      { name: 'page', value: '2' },
    ])
    const header = (r: { headers: { name: string; value: string }[] }, n: string) => r.headers.find((h) => h.name === n)?.value
    for (const n of ['authorization', 'cookie', 'proxy-authorization', 'x-api-key']) expect(header(users, n), n).toBe('[REDACTED]')
    expect(byPath('/password-reset/').url).toMatch(/\/password-reset\/\[REDACTED\]$/)
    const login = byPath('/api/login')
    expect(JSON.parse(login.postData.text)).toEqual({ user: 'ada', password: '[REDACTED]', profile: { secret: '[REDACTED]', city: 'London' } })
    expect(login.postData.mimeType).toBe('application/json')
    expect(login.startedDateTime).toMatch(/^\d{4}-\d\d-\d\dT/)
    expect(byPath('/api/form').postData.text).toBe('user=ada&access_token=[REDACTED]')
    // The upstreams still got the real values: redaction is for the file only.
    expect(primary.received.find((r) => r.url.startsWith('/api/users'))!.headers.authorization).toBe(SECRETS.authorization)
  })

  it('compare --capture (receiver): unmirrored POST copies are captured with their bodies, redacted too', async () => {
    const primary = await jsonService()
    const candidate = await jsonService()
    const file = join(tempDir(), 'received.ndjson')
    const { app, proxyUrl } = await startApp({ primary: primary.url, candidate: candidate.url, db: join(tempDir(), 'r.db'), capture: { file }, store: STORE }, { receiver: true })
    await sendSecrets(proxyUrl)
    await app.drain()
    // The copies were answered before their bodies were read: wait for the capture, not a fixed time.
    await expect.poll(async () => (await app.capture!.flush(), app.capture!.stats().written)).toBe(4)
    const lines = expectNoSecret(file)
    expect(lines).toHaveLength(4)
    // POSTs are answered, not replayed to the primary (mirror.methods), yet captured with their bodies.
    expect(primary.received.map((r) => r.method).sort()).toEqual(['GET', 'GET'])
    const login = lines.map((l) => JSON.parse(l)).find((r) => r.url.endsWith('/api/login'))
    expect(JSON.parse(login.postData.text).password).toBe('[REDACTED]')
  })
})

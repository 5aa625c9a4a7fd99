import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigInvalid } from '../../src/errors.js'
import { getExchange } from '../../src/store/list-divergences.js'
import { openDatabase } from '../../src/store/open-database.js'
import { Recorder } from '../../src/store/recorder.js'
import { compileRedactor } from '../../src/store/redact.js'
import { exchange, tempDir } from './fixtures.js'

const SECRETS = {
  bearer: 'Bearer s3cr3t-bearer-AAAA',
  cookie: 'session=s3cr3t-cookie-BBBB',
  setCookie: 'sid=s3cr3t-setcookie-CCCC; HttpOnly',
  apiKey: 's3cr3t-apikey-DDDD',
  query: 's3cr3t-query-EEEE',
  password: 's3cr3t-password-FFFF',
  token: 's3cr3t-token-GGGG',
  nestedToken: 's3cr3t-nested-HHHH',
  truncatedToken: 's3cr3t-truncated-IIII',
}

describe('redaction before storage', () => {
  it('leaves no secret value anywhere in the database files', () => {
    const dir = tempDir()
    const file = path.join(dir, 'secrets.db')
    const recorder = new Recorder(openDatabase(file), {
      flushIntervalMs: 0,
      bodyCapBytes: 200,
      redact: { headers: ['x-api-key'], bodyPointers: ['/password', '/**/token'], query: ['access_token'] },
    })
    const primaryBody = JSON.stringify({ user: { token: SECRETS.token, deep: [{ token: SECRETS.nestedToken }] }, name: 'a' })
    const candidateBody = JSON.stringify({ user: { token: SECRETS.token, deep: [{ token: SECRETS.nestedToken }] }, name: 'b' })
    recorder.recordCompared(
      exchange({
        id: 'secret-1',
        method: 'POST',
        url: `/api/login?access_token=${SECRETS.query}&page=2`,
        requestHeaders: { authorization: SECRETS.bearer, cookie: SECRETS.cookie, 'x-api-key': SECRETS.apiKey, host: 'h' },
        requestBody: JSON.stringify({ login: 'bob', password: SECRETS.password }),
        primaryHeaders: { 'set-cookie': [SECRETS.setCookie] },
        candidateHeaders: { 'set-cookie': [SECRETS.setCookie + 'x'] },
        primaryBody,
        candidateBody,
        divergences: [
          { kind: 'header', name: 'set-cookie', primary: SECRETS.setCookie, candidate: SECRETS.setCookie + 'x' },
          { kind: 'body', ops: [{ op: 'replace', path: '/name', value: 'b' }, { op: 'add', path: '/user', value: { token: SECRETS.token } }] },
        ],
      }),
    )
    // A body cut by the capture cap is not valid JSON: the textual fallback still hides the token.
    const truncated = `{"name":"x","token":"${SECRETS.truncatedToken}","more":"` + 'y'.repeat(50)
    recorder.recordCompared(exchange({ id: 'secret-2', primaryBody: truncated, candidateBody: truncated + 'z', divergences: [{ kind: 'body', text: `- "token":"${SECRETS.truncatedToken}"` }] }))
    recorder.flush()

    const stored = getExchange([file], 'secret-1')!
    expect(stored.url).toBe('/api/login?access_token=[REDACTED]&page=2')
    expect(stored.requestHeaders).toMatchObject({ authorization: '[REDACTED]', cookie: '[REDACTED]', 'x-api-key': '[REDACTED]', host: 'h' })
    expect(JSON.parse(stored.requestBody!.toString())).toEqual({ login: 'bob', password: '[REDACTED]' })
    expect(stored.primaryHeaders!['set-cookie']).toEqual(['[REDACTED]'])
    expect(stored.divergences[0]).toEqual({ kind: 'header', name: 'set-cookie', primary: '[REDACTED]', candidate: '[REDACTED]' })
    expect(stored.patch).toEqual([{ op: 'replace', path: '/name', value: 'b' }, { op: 'add', path: '/user', value: { token: '[REDACTED]' } }])
    expect(JSON.parse(stored.primaryBody!.toString())).toEqual({ user: { token: '[REDACTED]', deep: [{ token: '[REDACTED]' }] }, name: 'a' })

    // Bytes on disk, WAL included, while still open and after close.
    const scan = () => {
      const bytes = fs.readdirSync(dir).filter((f) => f.startsWith('secrets.db')).map((f) => fs.readFileSync(path.join(dir, f)).toString('latin1')).join('')
      expect(bytes.length).toBeGreaterThan(0)
      for (const [name, secret] of Object.entries(SECRETS)) {
        const core = secret.match(/s3cr3t-[a-z]+-[A-Z]+/)![0]
        expect(bytes.includes(core), `${name} found in the database files`).toBe(false)
      }
      // The scan does see stored content: the non-secret parts are there.
      expect(bytes.includes('[REDACTED]')).toBe(true)
      expect(bytes.includes('"login":"bob"')).toBe(true)
    }
    scan()
    recorder.close()
    scan()
  })

  it('keeps the URL exactly as sent apart from redacted values', () => {
    const r = compileRedactor({ query: ['Token'] })
    expect(r.url('/a/b?x=1&token=abc&y=%20z&token&TOKEN=q')).toBe('/a/b?x=1&token=[REDACTED]&y=%20z&token=[REDACTED]&TOKEN=[REDACTED]')
    expect(r.url('/a?x=1')).toBe('/a?x=1')
    expect(r.url('/a')).toBe('/a')
  })

  it('redacts form-encoded bodies by query names and body field names', () => {
    const r = compileRedactor({ query: ['api_key'], bodyPointers: ['/password'] })
    const form = Buffer.from('user=bob&password=hunter2&api_key=k1&x=%20')
    expect(r.body(form, 'application/x-www-form-urlencoded; charset=utf-8').toString()).toBe('user=bob&password=[REDACTED]&api_key=[REDACTED]&x=%20')
  })

  it('keeps a body\'s own "__proto__" key, and redacts under it', () => {
    const r = compileRedactor({ bodyPointers: ['/**/password'] })
    const body = Buffer.from('{"__proto__":{"password":"hunter2","n":1},"password":"p2"}')
    expect(r.body(body, 'application/json').toString()).toBe('{"__proto__":{"password":"[REDACTED]","n":1},"password":"[REDACTED]"}')
  })

  it('returns the original body bytes when nothing matched', () => {
    const r = compileRedactor({ bodyPointers: ['/password'] })
    const body = Buffer.from('{ "a" : 1 }')
    expect(r.body(body, 'application/json')).toBe(body)
  })

  it('throws ConfigInvalid on a body pointer that is not a JSON Pointer', () => {
    expect(() => compileRedactor({ bodyPointers: ['password'] })).toThrow(ConfigInvalid)
    expect(() => compileRedactor({ bodyPointers: ['password'] })).toThrow(/store\.redactBody\[0\] must be a JSON Pointer starting with '\/'.*got "password"/)
  })
})

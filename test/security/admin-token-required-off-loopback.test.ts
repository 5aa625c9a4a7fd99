import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { validateConfig } from '../../src/config.js'

// Nothing here binds a non-loopback address: the token check runs before any
// socket is opened, and the accepted CLI cases stop at an unusable --db path.
const BASE = ['serve', '--primary', 'http://127.0.0.1:9', '--candidate', 'http://127.0.0.1:9', '--port', '0', '--admin-port', '0']
const NO_DB = ['--db', '/nonexistent/dir/x.db']
const UPSTREAMS = { primary: 'http://127.0.0.1:9', candidate: 'http://127.0.0.1:9' }

describe.concurrent('admin API off loopback requires a token', () => {
  it('serve --admin-host 0.0.0.0 without a token: exit 2, naming the fix', async () => {
    const res = await runCli([...BASE, '--admin-host', '0.0.0.0', ...NO_DB], { env: { SHADOWDIFF_ADMIN_TOKEN: '' } })
    expect(res.code).toBe(2)
    expect(res.stderr).toContain(`adminHost '0.0.0.0' is not loopback`)
    expect(res.stderr).toContain('--admin-token or SHADOWDIFF_ADMIN_TOKEN')
  })

  it('serve: --admin-token or SHADOWDIFF_ADMIN_TOKEN satisfies the check (the run then stops at the database, not the token)', async () => {
    const [flag, fromEnv] = await Promise.all([
      runCli([...BASE, '--admin-host', '0.0.0.0', '--admin-token', 's3cret', ...NO_DB], { env: { SHADOWDIFF_ADMIN_TOKEN: '' } }),
      runCli([...BASE, '--admin-host', '0.0.0.0', ...NO_DB], { env: { SHADOWDIFF_ADMIN_TOKEN: 's3cret' } }),
    ])
    for (const res of [flag, fromEnv]) {
      expect(res.code).toBe(2)
      expect(res.stderr).not.toContain('is not loopback')
      expect(res.stderr).toContain('Cannot open database /nonexistent/dir/x.db')
    }
  })

  it.each(['0.0.0.0', '::', '192.0.2.10', '10.0.0.1', 'example.com'])('config: adminHost %s without a token is refused', (host) => {
    expect(() => validateConfig({ ...UPSTREAMS, adminHost: host })).toThrow(/is not loopback: set an admin token/)
    expect(() => validateConfig({ ...UPSTREAMS, adminHost: host, adminToken: '' })).toThrow(/adminToken must be a non-empty string/)
    expect(validateConfig({ ...UPSTREAMS, adminHost: host, adminToken: 't' }).adminToken).toBe('t')
  })

  it.each(['127.0.0.1', '127.5.6.7', 'localhost', '::1'])('config: adminHost %s (loopback) needs no token', (host) => {
    expect(validateConfig({ ...UPSTREAMS, adminHost: host }).adminToken).toBeNull()
  })
})

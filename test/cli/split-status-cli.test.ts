/**
 * `split`, `rollback` and `status` against a running proxy: text by
 * default, the admin API's JSON with --format json; flag values checked
 * before any call; the admin API's errors shown in its own code and words,
 * without the HTTP request line around them.
 */
import { describe, expect, it } from 'vitest'
import { request } from 'undici'
import { json, startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import { runCli } from '../helpers/cli.js'

async function proxy(extra: Record<string, unknown> = {}) {
  const ok = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => json(res, 200, { url: req.url })
  return startProxy({ primary: await startUpstream(ok), candidate: await startUpstream(ok), split: { stickyHeader: 'x-user' }, ...extra })
}

describe('split, rollback and status', () => {
  it('print sentences by default and JSON with --format json', async () => {
    const { adminUrl, proxyUrl, app } = await proxy()
    for (let i = 0; i < 4; i++) await (await request(`${proxyUrl}/api/x/${i}`)).body.dump()
    await app.drain()
    const shown = await runCli(['split', '--admin', adminUrl])
    const set = await runCli(['split', '--admin', adminUrl, '--mode', 'split', '--weight', '12.5'])
    expect(shown.stdout).toBe('shadow: the primary serves every user; the candidate is mirrored and compared\n')
    expect(set.code).toBe(0)
    expect(set.stdout).toBe('now split: the candidate serves 12.5% of users, the primary 87.5%; the side that did not serve is still called and compared\n')
    expect(app.traffic.state).toMatchObject({ mode: 'split', weight: 12.5 })

    const asJson = await runCli(['split', '--admin', adminUrl, '--format', 'json'])
    expect(JSON.parse(asJson.stdout)).toEqual({ mode: 'split', weight: 12.5, reverseShadow: true })

    const status = await runCli(['status', '--admin', adminUrl])
    expect(status.code).toBe(0)
    const lines = status.stdout.split('\n')
    expect(lines[0]).toBe(`shadowdiff at ${adminUrl}`)
    expect(status.stdout).toMatch(/^ {2}mode +split: the candidate serves 12\.5% of users/m)
    // Not-mirrored and skipped counts list their reasons only when there are some (src/cli/status-text.ts).
    expect(status.stdout).toMatch(/^ {2}served +4 requests; 0 not mirrored, 0 skipped$/m)
    expect(status.stdout).toMatch(/^ {2}compared +4, divergent 0 \(0\.0%\), candidate errors 0$/m)
    expect(status.stdout).toMatch(/^ {2}store +ok; /m)
    expect(status.stdout).toMatch(/^ {2}rules +none loaded/m)
    expect(status.stdout).toMatch(/^ {2}promotion +none$/m)
    const statusJson = JSON.parse((await runCli(['status', '--admin', adminUrl, '--format', 'json'])).stdout) as Record<string, unknown>
    expect(statusJson).toMatchObject({ mode: 'split', weight: 12.5, served: 4, compared: 4 })

    // A promotion in progress shows in status, and a rollback ends it.
    await runCli(['split', '--admin', adminUrl, '--mode', 'shadow'])
    const promote = await runCli(['promote', '--steps', '10,50,100', '--interval', '1h', '--admin', adminUrl, '--no-wait'])
    expect(promote.code, promote.stderr).toBe(0)
    const promoting = await runCli(['status', '--admin', adminUrl])
    expect(promoting.stdout).toMatch(/^ {2}promotion +running: step 1 of 10 → 50 → 100%, at 10%, gate check at \S+Z$/m)

    const back = await runCli(['rollback', '--admin', adminUrl, '--cause', 'test'])
    expect(back.stdout).toBe('rolled back: shadow: the primary serves every user; the candidate is mirrored and compared\n')
    expect(app.traffic.state.mode).toBe('shadow')
    expect((await runCli(['status', '--admin', adminUrl])).stdout).toMatch(/^ {2}promotion +rolled-back at step 1 of 10 → 50 → 100% \(test\)$/m)
  })

  it('checks values before calling, and shows the API errors without HTTP plumbing', async () => {
    const { adminUrl, app } = await proxy()
    const [mode, weight, negative, shadowWeight, apiRefused] = await Promise.all([
      runCli(['split', '--admin', adminUrl, '--mode', 'blue']),
      runCli(['split', '--admin', adminUrl, '--weight', '150']),
      runCli(['split', '--admin', adminUrl, '--weight', '-5']),
      runCli(['split', '--admin', adminUrl, '--mode', 'shadow', '--weight', '5']),
      // Valid as flags; the proxy refuses a weight in shadow mode.
      runCli(['split', '--admin', adminUrl, '--weight', '5']),
    ])
    expect(mode.stderr).toMatch(/^shadowdiff split: SHD_USAGE: --mode: expected one of shadow, split, candidate, got 'blue'\n/)
    expect(weight.stderr).toMatch(/^shadowdiff split: SHD_USAGE: --weight: expected a number from 0 to 100, got '150'\n/)
    expect(negative.stderr).toMatch(/^shadowdiff split: SHD_USAGE: --weight: expected a number from 0 to 100, got '-5'\n/)
    expect(negative.stderr).not.toContain('ambiguous')
    expect(shadowWeight.stderr).toMatch(/SHD_USAGE: --weight 5: shadow mode serves everyone from the primary \(weight 0\); use --mode split --weight 5/)
    for (const r of [mode, weight, negative, shadowWeight, apiRefused]) expect(r.code).toBe(2)
    expect(apiRefused.stderr).toBe('shadowdiff split: SHD_BAD_REQUEST: split.weight must be 0 (or left out) in shadow mode, got 5\n')
    expect(apiRefused.stderr).not.toMatch(/PUT|\/api\/split|→ 400/)
    expect(app.traffic.state.mode).toBe('shadow')

    const [elsewhere, unreachable] = await Promise.all([
      runCli(['split', '--admin', adminUrl, '--sticky-header', 'x-user']),
      runCli(['status', '--admin', 'http://127.0.0.1:1']),
    ])
    expect(elsewhere.code).toBe(2)
    expect(elsewhere.stderr).toMatch(/^shadowdiff split: SHD_USAGE: --sticky-header is a serve flag, not a split flag: give it to 'shadowdiff serve --sticky-header NAME' \(split: keep a user on one side by this header\)\./)
    expect(unreachable.code).toBe(2)
    expect(unreachable.stderr).toMatch(/^shadowdiff status: SHD_ADMIN_UNREACHABLE: cannot reach the admin API at http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)/)
  })

  it('a token the proxy refuses is its 401, in its words, exit 1', async () => {
    const { adminUrl } = await proxy({ adminToken: 'right' })
    const r = await runCli(['status', '--admin', adminUrl, '--admin-token', 'wrong'])
    expect(r.code).toBe(1)
    expect(r.stderr).toBe('shadowdiff status: SHD_UNAUTHORIZED: a valid bearer token is required\n')
  })
})

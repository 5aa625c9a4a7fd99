import { describe, expect, it } from 'vitest'
import { startRecordingUpstream } from '../helpers/upstream.js'
import { startApp, startProxy, tempDir } from '../helpers/proxy.js'
import { rawRequest } from '../faults/fault-kit.js'
import { validateConfig } from '../../src/config.js'
import { parseFlags } from '../../src/cli/parse-flags.js'
import { SERVE_FLAGS, configFromFlags } from '../../src/cli/serve-options.js'

// Issue 18, defect 7: a plain-HTTP client's X-Forwarded-Proto: https and
// X-Forwarded-Host: evil passed through unchanged, and a client could send
// x-shadowdiff-mirror so the primary took a live request for a mirror.

/** Every forwarding header a client might forge, and the mirror marker. */
const FORGED =
  'X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: evil\r\nX-Forwarded-Port: 443\r\n' +
  'Forwarded: for=6.6.6.6;proto=https\r\nX-Real-IP: 6.6.6.6\r\nX-Shadowdiff-Mirror: shadow\r\n'

async function setup(config: Record<string, unknown> = {}, receiver = false) {
  const primary = await startRecordingUpstream((_req, res) => res.end('primary'))
  const candidate = await startRecordingUpstream((_req, res) => res.end('candidate'))
  const input = { primary: primary.url, candidate: candidate.url, db: `${tempDir()}/t.db`, ...config }
  const { app, proxyUrl } = receiver ? await startApp(input, { receiver: true }) : await startProxy(input)
  return { primary, candidate, app, proxyUrl }
}

/** How often a header name occurs in the raw bytes an upstream received. */
const occurrences = (bytes: string, name: string) => bytes.toLowerCase().split(`\r\n${name}:`).length - 1

describe('forwarding headers and the mirror marker from an untrusted client (the default)', () => {
  it('are replaced by what the proxy saw; the marker reaches only the mirror, set by the proxy', async () => {
    const { primary, candidate, app, proxyUrl } = await setup()
    await rawRequest(proxyUrl, `GET /a HTTP/1.1\r\nHost: shop.example\r\n${FORGED}Connection: close\r\n\r\n`)
    await app.drain()
    const served = primary.requests[0].headers
    expect(served['x-forwarded-for']).toBe('127.0.0.1')
    expect(served['x-forwarded-proto']).toBe('http')
    expect(served['x-forwarded-host']).toBe('shop.example')
    for (const name of ['x-forwarded-port', 'forwarded', 'x-real-ip', 'x-shadowdiff-mirror']) expect(served[name], name).toBeUndefined()
    const mirrored = candidate.requests[0].headers
    expect(mirrored['x-forwarded-for']).toBe('127.0.0.1')
    expect(mirrored['x-forwarded-host']).toBe('shop.example')
    expect(mirrored['x-shadowdiff-mirror']).toBe('shadow')
    // Exactly once on the wire: the client's copy was dropped, not kept beside ours.
    expect(occurrences(candidate.bytes(), 'x-shadowdiff-mirror')).toBe(1)
    expect(occurrences(primary.bytes(), 'x-forwarded-for')).toBe(1)
  })

  it('the upgrade path forwards the same headers', async () => {
    const { primary, proxyUrl } = await setup()
    await rawRequest(proxyUrl, `GET /ws HTTP/1.1\r\nHost: shop.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${FORGED}\r\n`)
    const seen = primary.requests[0].headers
    expect(seen['x-forwarded-for']).toBe('127.0.0.1')
    expect(seen['x-forwarded-proto']).toBe('http')
    expect(seen['x-forwarded-host']).toBe('shop.example')
    expect(seen['x-shadowdiff-mirror']).toBeUndefined()
    expect(seen.forwarded).toBeUndefined()
  })

  it('receiver mode: the gateway copy gets the proxy marker once and the gateway as X-Forwarded-For', async () => {
    const { primary, candidate, app, proxyUrl } = await setup({}, true)
    await rawRequest(proxyUrl, `GET /a HTTP/1.1\r\nHost: shop.example-shadow\r\nX-Request-Id: r1\r\n${FORGED}Connection: close\r\n\r\n`)
    await app.drain()
    for (const side of [primary, candidate]) {
      expect(side.requests[0].headers['x-shadowdiff-mirror']).toBe('shadow')
      expect(occurrences(side.bytes(), 'x-shadowdiff-mirror')).toBe(1)
      expect(side.requests[0].headers['x-forwarded-for']).toBe('127.0.0.1')
      expect(side.requests[0].headers['x-forwarded-host']).toBe('shop.example')
    }
  })
})

describe('proxy.trustedProxies', () => {
  it('keeps the client chain from a trusted peer and appends the peer; the marker is still dropped', async () => {
    const { primary, proxyUrl } = await setup({ proxy: { trustedProxies: ['10.0.0.0/8', '127.0.0.0/8'] } })
    await rawRequest(proxyUrl, `GET /a HTTP/1.1\r\nHost: shop.example\r\n${FORGED}Connection: close\r\n\r\n`)
    const seen = primary.requests[0].headers
    expect(seen['x-forwarded-for']).toBe('6.6.6.6, 127.0.0.1')
    expect(seen['x-forwarded-proto']).toBe('https')
    expect(seen['x-forwarded-host']).toBe('evil')
    expect(seen['x-forwarded-port']).toBe('443')
    expect(seen.forwarded).toBe('for=6.6.6.6;proto=https')
    expect(seen['x-shadowdiff-mirror']).toBeUndefined()
  })

  it('a peer outside every range is not trusted', async () => {
    const { primary, proxyUrl } = await setup({ proxy: { trustedProxies: ['10.0.0.0/8', '::1'] } })
    await rawRequest(proxyUrl, `GET /a HTTP/1.1\r\nHost: shop.example\r\n${FORGED}Connection: close\r\n\r\n`)
    expect(primary.requests[0].headers['x-forwarded-for']).toBe('127.0.0.1')
    expect(primary.requests[0].headers['x-forwarded-host']).toBe('shop.example')
  })

  it('an IPv4-mapped peer (a proxy bound to ::) matches an IPv4 range', async () => {
    const { primary, proxyUrl } = await setup({ host: '::', proxy: { trustedProxies: ['127.0.0.1/32'] } })
    await rawRequest(proxyUrl, `GET /a HTTP/1.1\r\nHost: shop.example\r\n${FORGED}Connection: close\r\n\r\n`)
    expect(primary.requests[0].headers['x-forwarded-for']).toBe('6.6.6.6, ::ffff:127.0.0.1')
    expect(primary.requests[0].headers['x-forwarded-proto']).toBe('https')
  })

  it('is validated with a message naming the entry, in the config and on the command line', () => {
    const base = { primary: 'http://127.0.0.1:9', candidate: 'http://127.0.0.1:9' }
    expect(() => validateConfig({ ...base, proxy: { trustedProxies: ['10.0.0.0/8', '10.0.0.0/33'] } })).toThrow(
      "proxy.trustedProxies must be a list of addresses or CIDR ranges ([1]: the prefix length of an IPv4 range must be 0–32, got '33')",
    )
    expect(() => validateConfig({ ...base, proxy: { trustedProxies: ['internal'] } })).toThrow(
      "[0]: expected an IPv4 or IPv6 address or CIDR range such as 10.0.0.0/8 or fd00::/8, got 'internal'",
    )
    expect(() => validateConfig({ ...base, proxy: { trustedProxies: '10.0.0.0/8' } })).toThrow('proxy.trustedProxies must be a list of addresses or CIDR ranges')
    const flags = (argv: string[]) => configFromFlags(parseFlags(['--primary', base.primary, '--candidate', base.candidate, ...argv], SERVE_FLAGS).values, {})
    expect(flags(['--trusted-proxy', '10.0.0.0/8', '--trusted-proxy', 'fd00::/8']).proxy.trustedProxies).toEqual(['10.0.0.0/8', 'fd00::/8'])
    expect(() => flags(['--trusted-proxy', 'fd00::/129'])).toThrow("--trusted-proxy: the prefix length of an IPv6 range must be 0–128, got '129'")
  })
})

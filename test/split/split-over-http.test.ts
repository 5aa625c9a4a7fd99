/**
 * The split stage wired the way the proxy wires it, over real loopback
 * sockets: a minimal forwarding server asks SplitRouter for the side, serves
 * from it and reports candidate outcomes to the rollback monitor.
 */
import http from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { request } from 'undici'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { AuditEvent } from '../../src/split/audit-event.js'
import { validateSplitOptions } from '../../src/split/split-options.js'
import type { SplitOptionsInput } from '../../src/split/split-options.js'
import { SplitRouter } from '../../src/split/split-router.js'
import { TrafficMode } from '../../src/split/traffic-mode.js'
import { closeServer, startUpstream } from '../helpers/upstream.js'

async function startSplitProxy(candidateStatus: number, flags: SplitOptionsInput) {
  const primary = await startUpstream((_req, res) => res.end('primary'))
  const candidate = await startUpstream((_req, res) => {
    res.statusCode = candidateStatus
    res.end('candidate')
  })
  const traffic = new TrafficMode()
  const events: AuditEvent[] = []
  traffic.subscribe((e) => events.push(e))
  const router = new SplitRouter(traffic, validateSplitOptions(flags))
  const server = http.createServer(async (req, res) => {
    const { side } = router.route(req.headers)
    const upstream = await request((side === 'primary' ? primary : candidate) + req.url)
    const body = await upstream.body.text()
    if (side === 'candidate') router.recordCandidate(upstream.statusCode < 500)
    if (router.servedByHeader) res.setHeader(router.servedByHeader, side)
    res.statusCode = upstream.statusCode
    res.end(body)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  onTestFinished(() => closeServer(server))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const get = async (headers: Record<string, string>) => {
    const res = await request(url + '/', { headers })
    return { servedBy: res.headers['x-shadowdiff-served-by'], body: await res.body.text() }
  }
  return { traffic, events, get }
}

describe('split over HTTP', () => {
  it('serves each session cookie from one side, names the side in a header, and honours the tester override', async () => {
    const { traffic, get } = await startSplitProxy(200, { stickyCookie: 'sid', routeOverrideHeader: true })
    traffic.set({ mode: 'split', weight: 30 }, { actor: 'test', cause: 'split' })
    const sideOf = new Map<string, Set<string>>()
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 40; i++) {
        const { servedBy, body } = await get({ cookie: `theme=dark; sid=s-${i}` })
        expect(servedBy).toBe(body)
        sideOf.set(`s-${i}`, (sideOf.get(`s-${i}`) ?? new Set()).add(body))
      }
    }
    expect([...sideOf.values()].every((sides) => sides.size === 1)).toBe(true)
    const onCandidate = [...sideOf.values()].filter((s) => s.has('candidate')).length
    expect(onCandidate).toBeGreaterThan(0)
    expect(onCandidate).toBeLessThan(40)

    const pinnedPrimary = [...sideOf].find(([, s]) => s.has('primary'))![0]
    expect((await get({ cookie: `sid=${pinnedPrimary}`, 'x-shadowdiff-route': 'candidate' })).body).toBe('candidate')
  })

  it('rolls back to the primary by itself when the candidate fails, for the next request', async () => {
    const { traffic, events, get } = await startSplitProxy(503, {
      stickyHeader: 'x-user',
      rollbackMinRequests: 10,
      rollbackMaxFailureRate: '5%',
    })
    traffic.set({ mode: 'split', weight: 50 }, { actor: 'test', cause: 'split' })
    const served: string[] = []
    for (let i = 0; i < 60; i++) served.push((await get({ 'x-user': `user-${i}` })).body)
    const tripAt = served.filter((s) => s === 'candidate').length
    // Exactly minRequests candidate failures, then every later request is served by the primary.
    expect(tripAt).toBe(10)
    const lastCandidate = served.lastIndexOf('candidate')
    expect(served.slice(lastCandidate + 1).every((s) => s === 'primary')).toBe(true)
    expect(served.length - lastCandidate - 1).toBeGreaterThan(10)
    expect(traffic.state.mode).toBe('shadow')
    expect(events.at(-1)).toMatchObject({
      type: 'rollback',
      actor: 'rollback-monitor',
      cause: 'candidate 5xx/timeout rate 100% (10/10) over 30s > 5%',
    })
  })
})

/**
 * A proxy between two toggleable upstreams, a traffic driver that counts
 * what it sent by start time, and waits on the promotion's own state, for the
 * promotion-with-evidence tests (issue 14).
 */
import type http from 'node:http'
import { Agent, request } from 'undici'
import { onTestFinished } from 'vitest'
import { json, startUpstream } from '../helpers/upstream.js'
import { startProxy, type StartedProxy } from '../helpers/proxy.js'
import type { PromotionStatus } from '../../src/split/promotion-plan.js'

export interface Toggles {
  /** The candidate's body differs from the primary's. */
  divergent: boolean
  /** The candidate answers 500. */
  failing: boolean
}

export async function startPair(toggles: Toggles, config: Record<string, unknown> = {}): Promise<StartedProxy> {
  const primary = (req: http.IncomingMessage, res: http.ServerResponse) => json(res, 200, { url: req.url, price: 10 })
  const candidate = (req: http.IncomingMessage, res: http.ServerResponse) =>
    toggles.failing ? json(res, 500, { error: 'boom' }) : json(res, 200, { url: req.url, price: toggles.divergent ? 12 : 10 })
  return startProxy({ primary: await startUpstream(primary), candidate: await startUpstream(candidate), split: { stickyHeader: 'x-user' }, ...config })
}

/** Sends `n` GETs (sticky users spread over 50 keys), `concurrency` at a time; returns when all are answered. */
export async function send(proxyUrl: string, n: number, concurrency = 8): Promise<{ sent: number; non200: number }> {
  const agent = new Agent({ connections: concurrency })
  let next = 0
  let non200 = 0
  const worker = async () => {
    while (next < n) {
      const i = next++
      const res = await request(`${proxyUrl}/api/items/${i % 20}`, { dispatcher: agent, headers: { 'x-user': `user-${i % 50}` } })
      await res.body.dump()
      if (res.statusCode !== 200) non200++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  await agent.close()
  return { sent: n, non200 }
}

/** Keeps traffic flowing until stopped; returns how many requests were sent. */
export function keepSending(proxyUrl: string, path: (i: number) => string = (i) => `/api/items/${i % 20}`, method = 'GET') {
  const agent = new Agent({ connections: 4 })
  let stop = false
  let sent = 0
  const loop = async (w: number) => {
    for (let i = 0; !stop; i++) {
      const res = await request(`${proxyUrl}${path(i)}`, { dispatcher: agent, method: method as 'GET', headers: { 'x-user': `user-${w}-${i % 50}` } })
      await res.body.dump()
      sent++
    }
  }
  const loops = [0, 1, 2, 3].map(loop)
  const stopper = async () => {
    stop = true
    await Promise.all(loops)
    await agent.close()
  }
  onTestFinished(async () => {
    if (!stop) await stopper()
  })
  return { sent: () => sent, stop: stopper }
}

/** Waits (polling the in-process promotion, no fixed sleep) until `done(status)`; throws after `timeoutMs`. */
export async function waitFor(app: StartedProxy['app'], done: (s: PromotionStatus) => boolean, timeoutMs = 30_000): Promise<PromotionStatus> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const s = app.promotion.status()
    if (done(s)) return s
    if (Date.now() > deadline) throw new Error(`promotion did not reach the expected state in ${timeoutMs} ms: ${JSON.stringify({ state: s.state, step: s.step, lastEvidence: s.lastEvidence })}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Resolves at epoch ms `t` (a clock boundary the test must start after, not a wait for background work). */
export function at(t: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())))
}

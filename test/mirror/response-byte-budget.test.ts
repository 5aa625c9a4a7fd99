import { describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startUpstream } from '../helpers/upstream.js'
import { startProxy } from '../helpers/proxy.js'
import type { Divergence } from '../../src/types.js'

// Issue 18, defect 6: how much of a large body the mirror reads
// (src/mirror/capture-handler.ts). Bodies above the capture cap stay
// compared exactly (SHA-256 and size) up to mirror.maxResponseBytes; a body
// longer than the primary's, or above the budget, is cut and recorded as
// `error` `BODY_TOO_LARGE`.

const MIB = 1024 * 1024

/** One request through a proxy whose primary and candidate answer these bodies; returns the divergences. */
async function compare(primaryBody: Buffer, candidateBody: Buffer, mirror: Record<string, unknown> = {}): Promise<Divergence[]> {
  const primary = await startUpstream((_req, res) => res.end(primaryBody))
  const candidate = await startUpstream((_req, res) => res.end(candidateBody))
  const { app, proxyUrl } = await startProxy({ primary, candidate, mirror })
  let seen: Divergence[] | undefined
  app.compare.observe((exchange) => (seen = exchange.divergences))
  const res = await request(`${proxyUrl}/big`)
  const got = Buffer.from(await res.body.arrayBuffer())
  expect(got.equals(primaryBody)).toBe(true)
  await app.drain()
  expect(app.stats.compared, JSON.stringify(app.stats.toJSON())).toBe(1)
  expect(app.stats.candidateErrors).toBe(0)
  return seen!
}

describe('mirror byte budget (mirror.maxResponseBytes)', () => {
  const a = Buffer.alloc(4 * MIB, 'a')
  const b = Buffer.from(a)
  b[3 * MIB] = 0x62

  it('compares two 4 MiB bodies exactly: equal ones are equal, one differing byte is a SHA-256 divergence', async () => {
    expect(await compare(a, Buffer.from(a))).toEqual([])
    const [d] = await compare(a, b)
    expect(d).toMatchObject({ kind: 'body', size: { primary: 4 * MIB, candidate: 4 * MIB } })
  })

  it('a candidate body longer than a large primary body is cut just past the primary length', async () => {
    const [d] = await compare(a, Buffer.concat([a, Buffer.alloc(4 * MIB, 'c')]))
    expect(d).toMatchObject({ kind: 'error', code: 'BODY_TOO_LARGE' })
    const read = Number(/candidate body cut after (\d+) bytes: longer than the primary's 4194304 bytes/.exec((d as { message: string }).message)?.[1])
    expect(read).toBeGreaterThan(4 * MIB)
    expect(read).toBeLessThanOrEqual(4 * MIB + 256 * 1024)
  })

  it('bodies above mirror.maxResponseBytes are cut at the budget, even when equal', async () => {
    const [d] = await compare(a, Buffer.from(a), { maxResponseBytes: MIB })
    expect(d).toMatchObject({ kind: 'error', code: 'BODY_TOO_LARGE' })
    // The served side stops hashing there too: a hash of 4 MiB nobody compares would only cost the client path CPU.
    expect((d as { message: string }).message).toMatch(
      /^primary body longer than mirror\.maxResponseBytes \(1048576 bytes\): not hashed; candidate body cut after \d+ bytes: more than mirror\.maxResponseBytes \(1048576 bytes\)$/,
    )
  })

  it('a small candidate body longer than the primary is still diffed, not cut (under the capture cap)', async () => {
    const [d] = await compare(Buffer.from('{"a":1}'), Buffer.from('{"a":1,"b":2}'))
    expect(d).toMatchObject({ kind: 'body', ops: [{ op: 'add', path: '/b', value: 2 }] })
  })
})

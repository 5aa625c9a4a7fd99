import { describe, expect, it } from 'vitest'
import { cancel, canceller, exchange, keys, side } from './exchanges.js'

const etag = () => `"${crypto.randomUUID().replace(/-/g, '')}"`

describe('header noise', () => {
  const h = (extra: Record<string, string | undefined> = {}) => ({ etag: etag(), 'cache-control': 'max-age=60', 'x-nonce': crypto.randomUUID(), ...extra })

  it('random ETags and nonces are noise; an ETag turned weak, a header gone or changed are divergences', () => {
    const c = canceller()
    const ok = cancel(c, exchange(side({ a: 1 }, h()), side({ a: 1 }, h()), side({ a: 1 }, h())))
    expect(ok.divergences).toEqual([])
    expect(keys(ok.noise)).toEqual(['header header:etag', 'header header:x-nonce'])

    const weak = cancel(c, exchange(side({ a: 1 }, h()), side({ a: 1 }, h({ etag: `W/${etag()}` })), side({ a: 1 }, h())))
    expect(keys(weak.divergences)).toEqual(['header header:etag'])

    const { 'x-nonce': _gone, ...withoutNonce } = h()
    expect(keys(cancel(c, exchange(side({ a: 1 }, h()), side({ a: 1 }, withoutNonce), side({ a: 1 }, h()))).divergences)).toEqual(['header header:x-nonce'])

    const changed = cancel(c, exchange(side({ a: 1 }, h()), side({ a: 1 }, h({ 'cache-control': 'no-store' })), side({ a: 1 }, h())))
    expect(changed.divergences).toEqual([{ kind: 'header', name: 'cache-control', primary: 'max-age=60', candidate: 'no-store' }])
  })

  it('without a secondary configured, headers are compared as the rules say (media type only by default)', () => {
    const c = canceller({ secondary: false })
    const r = cancel(c, exchange(side({ a: 1 }, h()), side({ a: 1 }, h({ 'cache-control': 'no-store' }))))
    expect(r.divergences).toEqual([])
  })

  it('a volatile header that keeps its format is no difference even without evidence; hop-by-hop headers never count', () => {
    const c = canceller()
    const r = cancel(
      c,
      exchange(side({ a: 1 }, { date: 'Thu, 02 Jan 2025 03:04:05 GMT', connection: 'keep-alive' }), side({ a: 1 }, { date: 'Thu, 02 Jan 2025 03:04:06 GMT', connection: 'close' }), side({ a: 1 }, { date: 'Thu, 02 Jan 2025 03:04:05 GMT' })),
    )
    expect(r).toEqual({ divergences: [], noise: [] })
  })
})

import { describe, expect, it } from 'vitest'
import { cancel, canceller, exchange, keys, side } from './exchanges.js'

describe('format-preserving noise', () => {
  const body = (at: string | number, extra: Record<string, unknown> = {}) => ({ id: 7, requestId: crypto.randomUUID(), at, ...extra })

  it('a fresh UUID and timestamp are noise; the same field in another format, or gone, is a divergence', () => {
    const c = canceller()
    const p = () => side(body('2025-01-02T03:04:05.678Z'))
    const s = () => side(body('2025-01-02T03:04:05.699Z'))
    const fresh = cancel(c, exchange(p(), side(body('2025-01-02T03:04:05.702Z')), s()))
    expect(fresh.divergences).toEqual([])
    expect(keys(fresh.noise)).toEqual(['replace /at', 'replace /requestId'])

    const rfc1123 = cancel(c, exchange(p(), side(body('Thu, 02 Jan 2025 03:04:05 GMT')), s()))
    expect(rfc1123.divergences).toEqual([{ kind: 'body', ops: [{ op: 'replace', path: '/at', value: 'Thu, 02 Jan 2025 03:04:05 GMT' }] }])
    expect(keys(rfc1123.noise)).toEqual(['replace /requestId'])

    expect(keys(cancel(c, exchange(p(), side(body(1735787045678)), s())).divergences)).toEqual(['replace /at'])

    const { at: _gone, ...withoutAt } = body('x')
    expect(keys(cancel(c, exchange(p(), side(withoutAt), s())).divergences)).toEqual(['remove /at'])
  })

  it('a plain value change where the secondary agreed is a divergence', () => {
    const c = canceller()
    const r = cancel(c, exchange(side(body('t', { name: 'Ada' })), side(body('t', { name: 'Bob' })), side(body('t', { name: 'Ada' }))))
    expect(keys(r.divergences)).toEqual(['replace /name'])
    expect(keys(r.noise)).toEqual(['replace /requestId'])
  })
})

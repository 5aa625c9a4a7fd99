/**
 * The noise stage under a `format` rule: same-format values are equal to it
 * too (nothing learned, nothing counted as noise), and a format change the
 * secondary does not share stays a divergence with its message.
 */
import { describe, expect, it } from 'vitest'
import { cancel, canceller, exchange, keys, side } from './exchanges.js'
import { policyOf } from '../diff/policies.js'

const policy = policyOf('format: { body: [/at] }')
const iso = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s)).toISOString()

describe('noise stage with a format rule', () => {
  it('learns nothing and cancels nothing where the rule already sees no difference', () => {
    const c = canceller()
    const r = cancel(c, exchange(side({ at: iso(1) }), side({ at: iso(2) }), side({ at: iso(3) })), policy)
    expect(r).toEqual({ divergences: [], noise: [] })
    expect(c.stats()).toMatchObject({ fields: 0, cancelled: 0 })
  })

  it('a format change the secondary does not share stays divergent, with its message', () => {
    const c = canceller()
    const r = cancel(c, exchange(side({ at: iso(1) }), side({ at: 'Wed, 01 Jan 2025 00:00:02 GMT' }), side({ at: iso(3) })), policy)
    expect(keys(r.divergences)).toEqual(['replace /at'])
    expect(r.divergences[0]).toMatchObject({ ops: [{ message: 'format changed: iso-datetime:T:s:f:Z → http-date' }] })
    expect(r.noise).toEqual([])
  })
})

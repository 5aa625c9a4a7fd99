import { describe, expect, it } from 'vitest'
import { formatOf } from '../../src/noise/value-format.js'

describe('value formats', () => {
  it('keeps the format of fresh random values and timestamps', () => {
    const same = (a: unknown, b: unknown) => expect(formatOf(a)).toBe(formatOf(b))
    same('3f2b9c1e-8a4d-4b6e-9f00-1a2b3c4d5e6f', 'a0000000-0000-4000-8000-000000000000')
    same('2025-01-02T03:04:05.678Z', '2024-12-31T23:59:59.001Z')
    same('Thu, 02 Jan 2025 03:04:05 GMT', 'Fri, 03 Jan 2025 00:00:00 GMT')
    same('uRrJaOICEzdx3vAjPjdsEQ', 'KyP_jD1eJC_hl7m5tkw5HQ')
    // Random hex is sometimes all digits: one format for both.
    same('1c155469f54114cf', '4821930571026633')
    same('"5d41402abc4b2a76b9719d911017c592"', '"00000000000000000000000000000001"')
    same(0.51, 12)
  })

  it('tells formats apart where a regression changes them', () => {
    const differ = (a: unknown, b: unknown) => expect(formatOf(a)).not.toBe(formatOf(b))
    differ('2025-01-02T03:04:05.678Z', 'Thu, 02 Jan 2025 03:04:05 GMT')
    differ('2025-01-02T03:04:05.678Z', 1735787045678)
    differ('2025-01-02T03:04:05.678Z', '2025-01-02T03:04:05Z')
    differ('2025-01-02T03:04:05Z', '2025-01-02T03:04:05+00:00')
    differ('2025-01-02T03:04:05Z', '2025-01-02 03:04:05Z')
    differ('"5d41402abc4b2a76b9719d911017c592"', 'W/"5d41402abc4b2a76b9719d911017c592"')
    differ('uRrJaOICEzdx3vAjPjdsEQ', 'uRrJaOICEzdx3vAjPjdsEQxx')
    differ('3f2b9c1e-8a4d-4b6e-9f00-1a2b3c4d5e6f', '3F2B9C1E-8A4D-4B6E-9F00-1A2B3C4D5E6F')
    differ('a value', undefined)
    differ(null, 'x')
  })

  it('names the formats', () => {
    expect(formatOf(undefined)).toBe('absent')
    expect(formatOf('2025-01-02T03:04:05.678Z')).toBe('iso-datetime:T:s:f:Z')
    expect(formatOf('W/"abc"')).toBe('weak-etag(text)')
    expect(formatOf('public, max-age=60')).toBe('text')
    expect(formatOf([1])).toBe('array')
  })
})

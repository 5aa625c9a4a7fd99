/**
 * `format` rules: a value is equal to another of the same format; a change
 * of format, or a value that disappears, is a divergence naming both formats.
 */
import { describe, expect, it } from 'vitest'
import { compareResponses } from '../../src/diff/compare-responses.js'
import { diffJson } from '../../src/diff/json-diff.js'
import { json } from './responses.js'
import { policyOf } from './policies.js'

const ISO_A = '2025-01-02T03:04:05.678Z'
const ISO_B = '2025-06-30T23:59:59.001Z'
const HTTP_DATE = 'Thu, 02 Jan 2025 03:04:05 GMT'
const UUID_A = '3f1c2a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60'
const UUID_B = 'a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d'

describe('format.body', () => {
  const policy = policyOf('format: { body: [/generatedAt, /items/*/id, /meta] }')

  it('same format, different value: equal', () => {
    const a = { generatedAt: ISO_A, items: [{ id: UUID_A, n: 1 }], meta: { x: 1 } }
    const b = { generatedAt: ISO_B, items: [{ id: UUID_B, n: 1 }], meta: { y: [2] } }
    expect(diffJson(a, b, policy)).toEqual([])
  })

  it('a change of format is one replace naming both formats', () => {
    expect(diffJson({ generatedAt: ISO_A }, { generatedAt: HTTP_DATE }, policy)).toEqual([
      { op: 'replace', path: '/generatedAt', value: HTTP_DATE, message: 'format changed: iso-datetime:T:s:f:Z → http-date' },
    ])
    expect(diffJson({ items: [{ id: UUID_A }] }, { items: [{ id: 42 }] }, policy)).toEqual([
      { op: 'replace', path: '/items/0/id', value: 42, message: 'format changed: uuid → number' },
    ])
  })

  it('a field that disappears or appears changes format from or to absent', () => {
    expect(diffJson({ generatedAt: ISO_A, n: 1 }, { n: 1 }, policy)).toEqual([
      { op: 'remove', path: '/generatedAt', message: 'format changed: iso-datetime:T:s:f:Z → absent' },
    ])
    expect(diffJson({ items: [{}] }, { items: [{ id: UUID_B }] }, policy)).toEqual([
      { op: 'add', path: '/items/0/id', value: UUID_B, message: 'format changed: absent → uuid' },
    ])
  })

  it('other fields are still compared by value', () => {
    const ops = diffJson({ generatedAt: ISO_A, items: [{ id: UUID_A, n: 1 }] }, { generatedAt: ISO_B, items: [{ id: UUID_B, n: 2 }] }, policy)
    expect(ops).toEqual([{ op: 'replace', path: '/items/0/n', value: 2 }])
  })

  it('ignore wins over format; format wins over tolerance on the same node', () => {
    const both = policyOf('ignore: { body: [/t] }\nformat: { body: [/t, /n] }\ntolerance: { /n: { abs: 0.5 } }')
    expect(diffJson({ t: ISO_A, n: 1 }, { n: 100 }, both)).toEqual([])
    expect(diffJson({ n: 1 }, { n: 'one' }, both)).toEqual([{ op: 'replace', path: '/n', value: 'one', message: 'format changed: number → text' }])
  })

  it('unordered arrays pair elements whose format-compared fields differ only in value', () => {
    const p = policyOf('format: { body: [/list/*/id] }\nunordered: [/list]')
    const a = { list: [{ id: UUID_A, name: 'x' }, { id: 1, name: 'y' }] }
    const b = { list: [{ id: 2, name: 'y' }, { id: UUID_B, name: 'x' }] }
    expect(diffJson(a, b, p)).toEqual([])
  })
})

describe('format.headers', () => {
  const policy = policyOf('format: { headers: [ETag, date, x-request-id] }')

  it('same format: equal, even for volatile headers that are otherwise not compared', () => {
    const p = json({}, { etag: '"5d41402abc4b2a76b9719d911017c592"', date: HTTP_DATE, 'x-request-id': UUID_A })
    const c = json({}, { etag: '"7d793037a0760186574b0282f2f435e7"', date: 'Fri, 03 Jan 2025 00:00:00 GMT', 'x-request-id': UUID_B })
    expect(compareResponses(p, c, policy)).toEqual([])
  })

  it('a change of format or a missing header is a divergence naming both formats', () => {
    const p = json({}, { etag: '"5d41402abc4b2a76b9719d911017c592"', date: HTTP_DATE })
    const c = json({}, { etag: 'W/"5d41402abc4b2a76b9719d911017c592"' })
    expect(compareResponses(p, c, policy)).toEqual([
      { kind: 'header', name: 'etag', primary: '"5d41402abc4b2a76b9719d911017c592"', candidate: 'W/"5d41402abc4b2a76b9719d911017c592"', message: 'format changed: etag(hex:32) → weak-etag(hex:32)' },
      { kind: 'header', name: 'date', primary: HTTP_DATE, message: 'format changed: http-date → absent' },
    ])
  })

  it('format replaces the exact comparison of compare.headers, and ignore.headers still wins', () => {
    const p = policyOf('compare: { headers: all }\nformat: { headers: [x-request-id, x-nonce] }\nignore: { headers: [x-nonce] }')
    const a = json({}, { 'x-request-id': UUID_A, 'x-nonce': 'abc', 'x-version': '1' })
    const b = json({}, { 'x-request-id': UUID_B, 'x-nonce': '42', 'x-version': '2' })
    expect(compareResponses(a, b, p)).toEqual([{ kind: 'header', name: 'x-version', primary: '1', candidate: '2' }])
  })
})

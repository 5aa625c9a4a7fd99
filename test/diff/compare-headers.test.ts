import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { compareResponses } from '../../src/diff/compare-responses.js'
import { DEFAULT_POLICY } from '../../src/diff/default-policy.js'
import { HOP_BY_HOP_HEADERS, VOLATILE_HEADERS } from '../../src/diff/header-lists.js'
import type { ComparePolicy } from '../../src/diff/policy.js'
import { captured } from './responses.js'

const policy = (p: Partial<ComparePolicy>): ComparePolicy => ({ ...DEFAULT_POLICY, ...p })
const headersOnly = (a: Record<string, string | string[]>, b: Record<string, string | string[]>, p = DEFAULT_POLICY) =>
  compareResponses(captured('x', a), captured('x', b), p)

describe('header comparison', () => {
  it('compares only the media type of content-type by default', () => {
    expect(headersOnly({ 'content-type': 'application/json; charset=utf-8', etag: '"a"' }, { 'content-type': 'Application/JSON; charset=UTF-8', etag: '"b"', 'x-new': '1' })).toEqual([])
    expect(headersOnly({ 'content-type': 'application/json' }, { 'content-type': 'text/html' })).toEqual([
      { kind: 'header', name: 'content-type', primary: 'application/json', candidate: 'text/html' },
    ])
  })

  it('all: every header but hop-by-hop, Connection-listed and volatile ones, one divergence each', () => {
    const a = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', date: 'Mon', 'transfer-encoding': 'chunked', connection: 'x-hop', 'x-hop': '1', 'x-gone': 'y' }
    const b = { 'content-type': 'text/plain; charset=UTF-8', 'cache-control': 'max-age=60', date: 'Tue', 'content-length': '1', 'x-hop': '2', 'x-new': 'z' }
    expect(headersOnly(a, b, policy({ compareHeaders: 'all' }))).toEqual([
      { kind: 'header', name: 'cache-control', primary: 'no-store', candidate: 'max-age=60' },
      { kind: 'header', name: 'x-gone', primary: 'y' },
      { kind: 'header', name: 'x-new', candidate: 'z' },
    ])
  })

  it('all: content-type parameters count, charset case does not', () => {
    expect(headersOnly({ 'content-type': 'text/plain; charset=utf-8' }, { 'content-type': 'text/plain; charset=latin1' }, policy({ compareHeaders: 'all' }))).toHaveLength(1)
  })

  it('a list adds those names, volatile ones included; ignoreHeaders always wins', () => {
    const p = policy({ compareHeaders: new Set(['etag', 'cache-control']), ignoreHeaders: new Set(['cache-control']) })
    expect(headersOnly({ etag: '"a"', 'cache-control': 'a' }, { etag: '"b"', 'cache-control': 'b' }, p)).toEqual([
      { kind: 'header', name: 'etag', primary: '"a"', candidate: '"b"' },
    ])
    const all = policy({ compareHeaders: 'all', ignoreHeaders: new Set(['content-type']) })
    expect(headersOnly({ 'content-type': 'a/b' }, { 'content-type': 'c/d' }, all)).toEqual([])
  })

  it('joins repeated headers before comparing', () => {
    const p = policy({ compareHeaders: new Set(['vary']) })
    expect(headersOnly({ vary: ['a', 'b'] }, { vary: 'a, b' }, p)).toEqual([])
  })

  it('documents the RFC 9110 §7.6.1 hop-by-hop list and the volatile list', () => {
    expect([...HOP_BY_HOP_HEADERS].sort()).toEqual(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'])
    for (const h of ['date', 'content-length', 'etag', 'set-cookie', 'x-request-id']) expect(VOLATILE_HEADERS.has(h)).toBe(true)
    const doc = readFileSync(new URL('../../docs/rules.md', import.meta.url), 'utf8')
    const undocumented = [...HOP_BY_HOP_HEADERS, ...VOLATILE_HEADERS].filter((h) => !doc.includes('`' + h + '`'))
    expect(undocumented).toEqual([])
  })
})

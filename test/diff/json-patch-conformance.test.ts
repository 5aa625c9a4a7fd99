/**
 * Round trip against the RFC 6902 test suite (github.com/json-patch/json-patch-tests):
 * for every record with an `expected` document, our diff of (doc, expected)
 * is a valid patch and, applied to doc, yields expected.
 */
import { createRequire } from 'node:module'
import { applyPatch, validate } from 'fast-json-patch'
import type { Operation } from 'fast-json-patch'
import { describe, expect, it } from 'vitest'
import { compareResponses } from '../../src/diff/compare-responses.js'
import { DEFAULT_POLICY } from '../../src/diff/default-policy.js'
import { json } from './responses.js'

interface Record {
  comment?: string
  doc: unknown
  expected?: unknown
  disabled?: boolean
}

const require = createRequire(import.meta.url)
const records = [
  ...(require('json-patch-test-suite/tests.json') as Record[]),
  ...(require('json-patch-test-suite/spec_tests.json') as Record[]),
].filter((r) => 'expected' in r && !r.disabled)

describe('json-patch-test-suite round trip', () => {
  it('has records to run', () => {
    expect(records.length).toBeGreaterThan(50)
  })

  it.each(records.map((r, i) => [r.comment ?? `record ${i}`, r] as const))('%s', (_, r) => {
    const divergences = compareResponses(json(r.doc), json(r.expected), DEFAULT_POLICY)
    const ops: Operation[] = divergences.flatMap((d) => (d.kind === 'body' && 'ops' in d ? d.ops : []))
    expect(divergences.length).toBe(ops.length === 0 ? 0 : 1)
    const doc = structuredClone(r.doc)
    expect(validate(ops, doc)).toBeUndefined()
    const result = applyPatch(doc, ops, true, true, false).newDocument
    expect(result).toEqual(r.expected)
  })
})

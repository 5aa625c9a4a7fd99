/**
 * Turns a divergent exchange into the row stored for it: redacted first
 * (headers, query, JSON bodies, divergence values), then truncated to the
 * body cap, so no secret and no oversized body is ever written.
 */
import type { ComparedAs, ComparedExchange, Divergence, HeaderMap, SideResult } from '../types.js'
import type { ComparePolicy } from '../diff/policy.js'
import { fieldsOf, kindsOf } from './divergence-fields.js'
import type { FieldKey } from './divergence-fields.js'
import type { Redactor } from './redact.js'
import type { DetailRow } from './store-writer.js'

/**
 * What a stored row says about how its exchange was compared: the rules'
 * pointers and headers that took fields out of the comparison, and the
 * fields the noise stage classed as noise (`{}` when nothing did: the row
 * was compared by this build, so what is not in its patch is not reported).
 * Names and patterns only, never values.
 */
export function comparedAs(policy: ComparePolicy | undefined, noise: readonly Divergence[] | undefined): ComparedAs {
  const out: ComparedAs = {}
  const put = (key: keyof ComparedAs, list: Iterable<string>) => {
    const values = [...new Set(list)]
    if (values.length > 0) out[key] = values
  }
  if (policy) {
    put('ignore', policy.ignoreBody.map((p) => p.source))
    put('format', policy.formatBody.map((p) => p.source))
    put('tolerance', policy.tolerance.map((t) => t.pointer.source))
    put('unordered', [...policy.unordered.map((p) => p.source), ...policy.keyed.map((k) => k.pointer.source)])
    put('ignoreHeaders', policy.ignoreHeaders)
    put('formatHeaders', policy.formatHeaders)
  }
  if (noise && noise.length > 0) put('noise', fieldsOf(noise).map((f) => f.field))
  return out
}

/** Builds the insertable row of a divergent exchange. */
export function toDetailRow(ex: ComparedExchange, fields: readonly FieldKey[], signature: string, redactor: Redactor, bodyCap: number, compared?: ComparedAs): DetailRow {
  const { primary, candidate } = ex
  const requestType = headerValue(ex.request.headers, 'content-type')
  return {
    id: ex.id,
    at: ex.at,
    method: ex.request.method,
    url: redactor.url(ex.request.url),
    route: ex.route,
    signature,
    primary_status: primary.ok ? primary.status : null,
    candidate_status: candidate.ok ? candidate.status : null,
    primary_latency_ms: primary.latencyMs ?? null,
    candidate_latency_ms: candidate.latencyMs ?? null,
    kinds: kindsOf(ex.divergences).join(','),
    fields: JSON.stringify(fields),
    divergences: JSON.stringify(redactor.divergences(ex.divergences)),
    rules: JSON.stringify(ex.rules ?? []),
    request_headers: JSON.stringify(redactor.headers(ex.request.headers)),
    request_body: ex.requestBody && ex.requestBody.length > 0 ? cap(redactor.body(ex.requestBody, requestType), bodyCap) : null,
    primary_headers: primary.ok ? JSON.stringify(redactor.headers(primary.headers)) : null,
    candidate_headers: candidate.ok ? JSON.stringify(redactor.headers(candidate.headers)) : null,
    primary_body: sideBody(primary, redactor, bodyCap),
    candidate_body: sideBody(candidate, redactor, bodyCap),
    primary_content_type: primary.ok ? (headerValue(primary.headers, 'content-type') ?? null) : null,
    candidate_content_type: candidate.ok ? (headerValue(candidate.headers, 'content-type') ?? null) : null,
    compared_as: compared === undefined ? null : JSON.stringify(compared),
  }
}

function sideBody(side: SideResult, redactor: Redactor, bodyCap: number): Buffer | null {
  if (!side.ok) return null
  return cap(redactor.body(side.body, headerValue(side.headers, 'content-type')), bodyCap)
}

/** A copy, so the stored row never pins the (larger) captured buffer in memory. */
function cap(body: Buffer, bodyCap: number): Buffer {
  return Buffer.from(body.subarray(0, bodyCap))
}

function headerValue(headers: HeaderMap, name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v[0] : v
}

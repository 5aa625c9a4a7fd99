/**
 * Turns a divergent exchange into the row stored for it: redacted first
 * (headers, query, JSON bodies, divergence values), then truncated to the
 * body cap, so no secret and no oversized body is ever written.
 *
 * A body whose headers still say it is content-encoded (gzip, br, deflate …)
 * is not stored at all: redaction cannot see into it, and inflating stored
 * bytes would give its secrets back. The bounded decoder that runs before
 * comparison hands the store decoded bodies; this is the guard for any that
 * were not decoded (an unknown coding, a body over the decoding bound).
 */
import type { CapturedResponse, ComparedAs, ComparedExchange, Divergence, HeaderMap } from '../types.js'
import type { ComparePolicy } from '../diff/policy.js'
import { fieldsOf, kindsOf } from './divergence-fields.js'
import type { FieldKey } from './divergence-fields.js'
import type { Redactor } from './redact.js'
import type { DetailRow } from './store-writer.js'

/** Stored instead of a body that is still content-encoded. */
export const ENCODED_NOT_STORED = '[encoded body not stored]'

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

/**
 * Builds the insertable row of a divergent exchange; `onNotStored` is called
 * once per body left out because it was still content-encoded.
 */
export function toDetailRow(
  ex: ComparedExchange,
  fields: readonly FieldKey[],
  signature: string,
  redactor: Redactor,
  bodyCap: number,
  compared?: ComparedAs,
  onNotStored: () => void = () => {},
): DetailRow {
  const { primary, candidate } = ex
  const requestType = headerValue(ex.request.headers, 'content-type')
  // `decoded`: the compare stage decoded this side's body (decode-body.ts); its headers still name the coding as received.
  const body = (raw: Buffer, headers: HeaderMap, type: string | undefined, decoded = false): Buffer => {
    if (!decoded && isEncoded(headers)) {
      onNotStored()
      return Buffer.from(ENCODED_NOT_STORED)
    }
    return cap(redactor.body(raw, type), bodyCap)
  }
  const sideBody = (side: CapturedResponse) => body(side.body, side.headers, headerValue(side.headers, 'content-type'), side.encoding?.decoded === true)
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
    request_body: ex.requestBody && ex.requestBody.length > 0 ? body(ex.requestBody, ex.request.headers, requestType) : null,
    primary_headers: primary.ok ? JSON.stringify(redactor.headers(primary.headers)) : null,
    candidate_headers: candidate.ok ? JSON.stringify(redactor.headers(candidate.headers)) : null,
    primary_body: primary.ok ? sideBody(primary) : null,
    candidate_body: candidate.ok ? sideBody(candidate) : null,
    primary_content_type: primary.ok ? (headerValue(primary.headers, 'content-type') ?? null) : null,
    candidate_content_type: candidate.ok ? (headerValue(candidate.headers, 'content-type') ?? null) : null,
    compared_as: compared === undefined ? null : JSON.stringify(compared),
  }
}

/** True when Content-Encoding names any coding but `identity` (RFC 9110 §8.4). */
function isEncoded(headers: HeaderMap): boolean {
  const v = headers['content-encoding']
  const codings = (Array.isArray(v) ? v.join(',') : (v ?? '')).split(',').map((c) => c.trim().toLowerCase())
  return codings.some((c) => c !== '' && c !== 'identity')
}

/** A copy, so the stored row never pins the (larger) captured buffer in memory. */
function cap(body: Buffer, bodyCap: number): Buffer {
  return Buffer.from(body.subarray(0, bodyCap))
}

function headerValue(headers: HeaderMap, name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v[0] : v
}

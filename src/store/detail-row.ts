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
import type { ComparedExchange, HeaderMap } from '../types.js'
import { kindsOf } from './divergence-fields.js'
import type { FieldKey } from './divergence-fields.js'
import type { Redactor } from './redact.js'
import type { DetailRow } from './store-writer.js'

/** Stored instead of a body that is still content-encoded. */
export const ENCODED_NOT_STORED = '[encoded body not stored]'

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
  onNotStored: () => void = () => {},
): DetailRow {
  const { primary, candidate } = ex
  const requestType = headerValue(ex.request.headers, 'content-type')
  const body = (raw: Buffer, headers: HeaderMap, type: string | undefined): Buffer => {
    if (isEncoded(headers)) {
      onNotStored()
      return Buffer.from(ENCODED_NOT_STORED)
    }
    return cap(redactor.body(raw, type), bodyCap)
  }
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
    primary_body: primary.ok ? body(primary.body, primary.headers, headerValue(primary.headers, 'content-type')) : null,
    candidate_body: candidate.ok ? body(candidate.body, candidate.headers, headerValue(candidate.headers, 'content-type')) : null,
    primary_content_type: primary.ok ? (headerValue(primary.headers, 'content-type') ?? null) : null,
    candidate_content_type: candidate.ok ? (headerValue(candidate.headers, 'content-type') ?? null) : null,
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

/**
 * Body comparison: byte fast path, then hashes for truncated bodies, JSON
 * diff when both sides are JSON, a unified line diff for text, hashes for
 * binary.
 */
import { createHash } from 'node:crypto'
import { isUtf8 } from 'node:buffer'
import type { CapturedResponse, Divergence } from '../types.js'
import type { ComparePolicy } from './policy.js'
import { diffJson } from './json-diff.js'
import { headerValue, isJsonType, isTextType, mediaType } from './media-type.js'
import { normalizeText } from './text-normalize.js'
import { unifiedDiff } from './line-diff.js'

const NOT_JSON = Symbol('not json')

/**
 * Appends the body divergence of two captured responses, if any, to `out`.
 * Sides decoded by the compare stage (decode-body.ts) are compared by their
 * decoded content, whatever their content-encoding.
 */
export function compareBodies(p: CapturedResponse, c: CapturedResponse, policy: ComparePolicy, out: Divergence[]): void {
  if (p.cut !== undefined || c.cut !== undefined) {
    // The mirror stopped reading (capture-handler.ts): no hash covers the whole body.
    const message = [p.cut && `primary ${p.cut}`, c.cut && `candidate ${c.cut}`].filter(Boolean).join('; ')
    out.push({ kind: 'error', code: 'BODY_TOO_LARGE', message })
    return
  }
  if (p.encoding?.decoded === false || c.encoding?.decoded === false) {
    out.push(...undecodedBodies(p, c))
    return
  }
  if (!p.complete || !c.complete) {
    // Only the first bytes were kept: compare what the capture measured.
    const hp = p.sha256 ?? sha256(p.body)
    const hc = c.sha256 ?? sha256(c.body)
    if (hp !== hc || p.size !== c.size) out.push(hashDivergence(hp, hc, p.size, c.size))
    return
  }
  // Fast path: identical bytes are equal under every policy, no parsing.
  if (p.body.equals(c.body)) return
  const pType = mediaType(headerValue(p.headers, 'content-type'))
  const cType = mediaType(headerValue(c.headers, 'content-type'))
  if (isJsonType(pType) || isJsonType(cType) || (looksJson(p.body) && looksJson(c.body))) {
    const a = parseJson(p.body)
    const b = a === NOT_JSON ? NOT_JSON : parseJson(c.body)
    if (a !== NOT_JSON && b !== NOT_JSON) {
      try {
        const ops = diffJson(a, b, policy)
        if (ops.length > 0) out.push({ kind: 'body', ops })
        return
      } catch (err) {
        // Nesting deeper than the stack: fall through to a hash comparison.
        if (!(err instanceof RangeError)) throw err
        out.push(hashDivergence(sha256(p.body), sha256(c.body), p.size, c.size))
        return
      }
    }
  }
  if (isText(pType, p.body) && isText(cType, c.body)) {
    const a = normalizeText(p.body.toString('utf8'), policy.text)
    const b = normalizeText(c.body.toString('utf8'), policy.text)
    if (a !== b) out.push({ kind: 'body', text: unifiedDiff(a, b) })
    return
  }
  out.push(hashDivergence(sha256(p.body), sha256(c.body), p.size, c.size))
}

/**
 * A side whose body could not be decoded: two bodies sent with the same
 * coding and both too large (or both in a coding this build cannot decode)
 * are compared by the hash of their encoded bytes, as bodies beyond the cap
 * always are; anything else cannot be compared, and says why as an `error`
 * divergence naming the side and the encoding.
 */
function undecodedBodies(p: CapturedResponse, c: CapturedResponse): Divergence[] {
  const pe = p.encoding
  const ce = c.encoding
  const byHash = (e: typeof pe) => e !== undefined && !e.decoded && e.problem !== 'failed' && e.sha256 !== undefined
  if (pe !== undefined && ce !== undefined && pe.name === ce.name && byHash(pe) && byHash(ce)) {
    if (pe.sha256 === ce.sha256 && pe.encodedSize === ce.encodedSize) return []
    return [hashDivergence(pe.sha256!, ce.sha256!, pe.encodedSize, ce.encodedSize)]
  }
  const problems = (['primary', 'candidate'] as const).flatMap((side) => {
    const e = (side === 'primary' ? p : c).encoding
    return e !== undefined && !e.decoded ? [{ side, e }] : []
  })
  const worst = problems.some((x) => x.e.problem === 'failed') ? 'DECODE_FAILED' : problems.some((x) => x.e.problem === 'unsupported') ? 'DECODE_UNSUPPORTED' : 'DECODE_TOO_LARGE'
  return [{ kind: 'error', code: worst, message: problems.map((x) => `${x.side}: ${x.e.message ?? x.e.name}`).join('; ') }]
}

function hashDivergence(hp: string, hc: string, sp: number, sc: number): Divergence {
  return { kind: 'body', sha256: { primary: hp, candidate: hc }, size: { primary: sp, candidate: sc } }
}

/** SHA-256 of a buffer, hex. */
export function sha256(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex')
}

/** Cheap pre-check before trying JSON.parse on an untyped body: first non-blank byte is `{` or `[`. */
function looksJson(body: Buffer): boolean {
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]
    if (ch === 0x20 || ch === 0x0a || ch === 0x0d || ch === 0x09) continue
    return ch === 0x7b || ch === 0x5b
  }
  return false
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'))
  } catch {
    return NOT_JSON
  }
}

/** Text when the media type says so; untyped or octet-stream bodies are sniffed (UTF-8, no NUL). */
function isText(type: string, body: Buffer): boolean {
  if (type !== '' && type !== 'application/octet-stream') return isTextType(type)
  return body.indexOf(0) === -1 && isUtf8(body)
}

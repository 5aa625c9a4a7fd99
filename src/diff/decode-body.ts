/**
 * Content decoding of captured bodies (RFC 9110 §8.4): a primary that
 * answers brotli and a candidate that answers plain JSON carry the same
 * content, so bodies are compared after decoding whenever either side is
 * encoded. A different `content-encoding` is then a header difference only,
 * reported when headers are compared.
 *
 * Bounded: a side is decoded only when its whole encoded body was captured,
 * and its decoded content is kept up to the same capture cap. node:zlib's
 * synchronous decoders work chunk by chunk and stop as soon as the output
 * reaches `maxOutputLength` (ERR_BUFFER_TOO_LARGE), so a decompression bomb
 * costs at most one cap of output, never its full size. It runs in the
 * compare stage, after the client has its answer.
 *
 * Decoded: gzip, x-gzip (RFC 9110 §8.4.1.3), deflate (zlib-wrapped per
 * §8.4.1.2, raw deflate accepted as browsers do), br (RFC 7932), identity,
 * and lists of them (`gzip, br`: decoded last applied first). zstd is not:
 * node:zlib has no zstd decoder on Node 20 (it arrived in Node 22.15/23.8).
 *
 * What the store receives: a decoded side carries `encoding.decoded: true`
 * and its body is the decoded content; a side that could not be decoded
 * carries `encoding.decoded: false`, `encoding.problem`, and an EMPTY body,
 * so a still-encoded body is never compared as content nor stored. Headers
 * are kept as received (content-encoding included): they describe the
 * message, and are compared as such.
 */
import { createHash } from 'node:crypto'
import zlib from 'node:zlib'
import type { BodyEncoding, CapturedResponse, HeaderMap } from '../types.js'
import { headerValue } from './media-type.js'

export type { BodyEncoding, DecodeProblem } from '../types.js'

/** Content codings this build decodes. */
export const DECODABLE = ['gzip', 'x-gzip', 'deflate', 'br', 'identity'] as const

/**
 * The content codings of a response, in the order they were applied;
 * [] when it is not encoded (absent, empty or identity only).
 *
 * @example
 *   codingsOf({ 'content-encoding': 'gzip, br' }) // ['gzip', 'br']
 */
export function codingsOf(headers: HeaderMap): string[] {
  const raw = headerValue(headers, 'content-encoding')
  if (raw === undefined) return []
  return raw
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '' && t !== 'identity')
}

/**
 * A copy of `side` with its body decoded, bounded by `cap` bytes of decoded
 * content; `side` itself when it is not encoded. Never throws: a body that
 * cannot be decoded comes back empty, with `encoding.problem` saying why.
 *
 * @example
 *   const p = decodeSide(exchange.primary, config.diff.captureBytes)
 *   if (p.encoding?.decoded === false) console.log(p.encoding.problem) // 'failed'
 */
export function decodeSide(side: CapturedResponse, cap: number): CapturedResponse {
  const codings = codingsOf(side.headers)
  if (codings.length === 0 || side.encoding !== undefined) return side
  const name = codings.join(', ')
  const base = { name, encodedSize: side.size }
  const unsupported = codings.find((c) => !(DECODABLE as readonly string[]).includes(c))
  if (unsupported !== undefined) {
    return dropped(side, { ...base, decoded: false, problem: 'unsupported', message: `content-encoding ${name}: this Node version has no ${unsupported} decoder` })
  }
  if (!side.complete) {
    return dropped(side, { ...base, decoded: false, problem: 'encoded-too-large', message: `${name} body of ${side.size} bytes is larger than the capture cap (${cap} bytes), so it cannot be decoded` })
  }
  let body = side.body
  try {
    // Codings are listed in the order they were applied: undo the last one first.
    for (let i = codings.length - 1; i >= 0; i--) body = decodeOne(codings[i], body, cap)
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    if (e.code === 'ERR_BUFFER_TOO_LARGE') {
      return dropped(side, { ...base, decoded: false, problem: 'decoded-too-large', message: `${name} body of ${side.size} bytes decodes to more than the capture cap (${cap} bytes); raise diff.captureBytes to compare it` })
    }
    return dropped(side, { ...base, decoded: false, problem: 'failed', message: `${name} body of ${side.size} bytes could not be decoded: ${e.message}` })
  }
  const decoded: CapturedResponse = { ...side, body, size: body.length, complete: true, encoding: { ...base, decoded: true } }
  delete decoded.sha256
  return decoded
}

function decodeOne(coding: string, body: Buffer, cap: number): Buffer {
  const opts = { maxOutputLength: Math.max(1, cap) }
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.gunzipSync(body, opts)
    case 'br':
      return zlib.brotliDecompressSync(body, opts)
    case 'deflate':
      try {
        return zlib.inflateSync(body, opts)
      } catch (err) {
        // RFC 9110 says zlib-wrapped; some servers send raw deflate, which browsers accept.
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw err
        return zlib.inflateRawSync(body, opts)
      }
    default:
      return body
  }
}

/** The side without its encoded bytes; their hash stays, to compare two bodies sent with the same coding. */
function dropped(side: CapturedResponse, encoding: BodyEncoding): CapturedResponse {
  const sha256 = side.sha256 ?? createHash('sha256').update(side.body).digest('hex')
  const out: CapturedResponse = { ...side, body: EMPTY, complete: false, encoding: { ...encoding, sha256 } }
  delete out.sha256
  return out
}

const EMPTY = Buffer.alloc(0)

/**
 * Reads a client's request body once so it can be replayed to every side.
 * Bodies up to the mirror cap are buffered; a larger body is streamed to the
 * served side only (and not mirrored, Traefik's errBodyTooLarge), with the
 * hard limit still enforced while it streams.
 */
import { Readable } from 'node:stream'
import type { IncomingMessage } from 'node:http'
import { RequestTooLarge } from '../errors.js'

export type RequestBody =
  | { kind: 'none' }
  | { kind: 'buffered'; body: Buffer }
  | { kind: 'streamed'; stream: Readable }
  | { kind: 'too-large' }
  | { kind: 'aborted' }

/** True when the request carries a body (RFC 9112 §6.3: Content-Length or Transfer-Encoding). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length']
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined
}

export function readRequestBody(
  req: IncomingMessage,
  mirrorCap: number,
  maxBytes: number,
  done: (body: RequestBody) => void,
): void {
  const declared = req.headers['content-length']
  if (declared !== undefined && Number(declared) > maxBytes) {
    done({ kind: 'too-large' })
    return
  }
  const chunks: Buffer[] = []
  let size = 0
  let settled = false
  const finish = (body: RequestBody) => {
    if (settled) return
    settled = true
    req.off('data', onData)
    req.off('end', onEnd)
    req.off('error', onAbort)
    req.off('aborted', onAbort)
    done(body)
  }
  const onData = (chunk: Buffer) => {
    size += chunk.length
    if (size > maxBytes) {
      finish({ kind: 'too-large' })
      return
    }
    chunks.push(chunk)
    if (size > mirrorCap) {
      req.pause()
      finish({ kind: 'streamed', stream: continueStream(req, chunks, size, maxBytes) })
    }
  }
  const onEnd = () => finish({ kind: 'buffered', body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size) })
  const onAbort = () => finish({ kind: 'aborted' })
  req.on('data', onData)
  req.on('end', onEnd)
  req.on('error', onAbort)
  req.on('aborted', onAbort)
}

/** The chunks already read, then the rest of the request, still bounded by `maxBytes`. */
function continueStream(req: IncomingMessage, head: Buffer[], already: number, maxBytes: number): Readable {
  async function* rest() {
    yield* head
    let size = already
    for await (const chunk of req) {
      size += (chunk as Buffer).length
      // The served side's handler answers 413 with this error's message.
      if (size > maxBytes) throw new RequestTooLarge(maxBytes)
      yield chunk as Buffer
    }
  }
  return Readable.from(rest(), { objectMode: false })
}

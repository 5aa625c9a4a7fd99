/**
 * Names what went wrong talking to an upstream, from undici's error codes, so
 * the client gets 502 or 504 and a failed candidate gets a stable code in the
 * `error` divergence.
 */
export type UpstreamFailure = 'REFUSED' | 'TIMEOUT' | 'RESET' | 'BAD_RESPONSE' | 'ABORTED' | 'ERROR'

export function classifyUpstreamError(err: unknown): UpstreamFailure {
  const code = (err as { code?: string } | null)?.code ?? ''
  const name = (err as { name?: string } | null)?.name ?? ''
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH') return 'REFUSED'
  if (
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'ETIMEDOUT' ||
    code === 'SHD_MIRROR_TIMEOUT' ||
    name === 'TimeoutError'
  )
    return 'TIMEOUT'
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED') return 'RESET'
  // undici 7 builds HTTPParserError with `code` undefined (it looks the
  // numeric llhttp error up in a name-to-number map), so match the name too.
  if (
    code.startsWith('HPE_') ||
    name === 'HTTPParserError' ||
    code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' ||
    code === 'UND_ERR_HEADERS_OVERFLOW' ||
    code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE'
  )
    return 'BAD_RESPONSE'
  if (code === 'UND_ERR_ABORTED' || name === 'AbortError') return 'ABORTED'
  return 'ERROR'
}

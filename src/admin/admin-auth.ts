/**
 * Bearer-token check for the admin API. Off when no token is configured
 * (the API is then bound to loopback: config validation refuses anything
 * else). Tokens are compared in constant time so response timing does not
 * leak how much of a guess was right.
 *
 * The check runs in fastify's `onRequest` hook, before any body is read or
 * parsed: an unauthenticated request gets 401 whatever its body (bad JSON,
 * oversized, endless), and the connection is closed rather than reading
 * that body to its end.
 *
 * Flagger's webhooks cannot send headers, only a JSON body whose `metadata`
 * Flagger's own docs use for a token. Routes marked `config: { tokenInBody:
 * true }` take a header token here too (a wrong one is refused here); a
 * request without one is let through to the route's bounded body reader,
 * which answers 401 unless a small, well-formed body carries the token
 * (gate-routes.ts).
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Unauthorized } from '../errors.js'

/** Route config of a route that checks the token itself (with tokenMatches) after parsing its body. */
export interface TokenInBodyConfig {
  tokenInBody?: boolean
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest()
}

/** Whether `given` is the token; constant time, and hashing hides the token's length. */
export function tokenMatches(expected: string, given: string | undefined): boolean {
  // timingSafeEqual needs equal lengths: compare digests.
  return given !== undefined && given.length > 0 && timingSafeEqual(digest(given), digest(expected))
}

/** The token of an `Authorization: Bearer …` header, or undefined. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization ?? ''
  return header.startsWith('Bearer ') ? header.slice(7) : undefined
}

/**
 * Answers 401 with the error body every admin route uses, and closes the
 * connection: the body of an unauthenticated request is never read.
 */
export function unauthorized(reply: FastifyReply): FastifyReply {
  const err = new Unauthorized()
  reply.header('www-authenticate', 'Bearer realm="shadowdiff"')
  reply.header('connection', 'close')
  return reply.code(401).send({ error: { code: err.code, message: err.message } })
}

/** Requests of a `tokenInBody` route already authenticated by their header in onRequest. */
const headerAuthenticated = new WeakSet<FastifyRequest>()

/** Whether onRequest authenticated `request` by its Authorization header. */
export function isHeaderAuthenticated(request: FastifyRequest): boolean {
  return headerAuthenticated.has(request)
}

/** The onRequest hook: runs before fastify reads or parses any body. */
export function bearerAuth(token: string) {
  return async function checkToken(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const given = bearerToken(request)
    if ((request.routeOptions.config as TokenInBodyConfig | undefined)?.tokenInBody) {
      // No header: the route's bounded reader looks for metadata.token (or answers 401).
      if (given === undefined && request.headers.authorization === undefined) return undefined
      if (!tokenMatches(token, given)) return unauthorized(reply)
      headerAuthenticated.add(request)
      return undefined
    }
    // Returning the reply ends the hook chain (fastify: responding from an async hook).
    if (!tokenMatches(token, given)) return unauthorized(reply)
    return undefined
  }
}

/**
 * Bearer-token check for the admin API. Off when no token is configured
 * (the API is then bound to loopback: config validation refuses anything
 * else). Tokens are compared in constant time so response timing does not
 * leak how much of a guess was right.
 *
 * Flagger's webhooks cannot send headers, only a JSON body whose `metadata`
 * Flagger's own docs use for a token. Routes marked `config: { tokenInBody:
 * true }` are skipped here and check the header or that body themselves,
 * once it is parsed (gate-routes.ts).
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

/** Answers 401 with the error body every admin route uses. */
export function unauthorized(reply: FastifyReply): FastifyReply {
  const err = new Unauthorized()
  reply.header('www-authenticate', 'Bearer realm="shadowdiff"')
  return reply.code(401).send({ error: { code: err.code, message: err.message } })
}

export function bearerAuth(token: string) {
  return async function checkToken(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    if ((request.routeOptions.config as TokenInBodyConfig | undefined)?.tokenInBody) return undefined
    // Returning the reply ends the hook chain (fastify: responding from an async hook).
    if (!tokenMatches(token, bearerToken(request))) return unauthorized(reply)
    return undefined
  }
}

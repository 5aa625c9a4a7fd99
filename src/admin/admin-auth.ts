/**
 * Bearer-token check for the admin API. Off when no token is configured
 * (the API is then bound to loopback: config validation refuses anything
 * else). Tokens are compared in constant time so response timing does not
 * leak how much of a guess was right.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Unauthorized } from '../errors.js'

export function bearerAuth(token: string) {
  // Hash both sides: timingSafeEqual needs equal lengths, and hashing hides the token's length.
  const expected = createHash('sha256').update(token).digest()
  return async function checkToken(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const header = request.headers.authorization ?? ''
    const given = header.startsWith('Bearer ') ? header.slice(7) : ''
    const digest = createHash('sha256').update(given).digest()
    if (given.length === 0 || !timingSafeEqual(digest, expected)) {
      const err = new Unauthorized()
      reply.header('www-authenticate', 'Bearer realm="shadowdiff"')
      reply.code(401).send({ error: { code: err.code, message: err.message } })
    }
  }
}

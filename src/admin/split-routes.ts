/**
 * Traffic control on the admin API: read or set the split, roll back, run a
 * progressive promotion, and read the audit trail. Every change names an
 * actor (the `x-shadowdiff-actor` header, default `admin-api`) and a cause
 * (the body's `cause`, default the route), which the audit trail keeps.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { App } from '../app.js'
import { BadRequest } from '../errors.js'
import { parseInstant } from '../time-window.js'

type Body = Record<string, unknown> | undefined

function who(request: FastifyRequest, fallbackCause: string): { actor: string; cause: string } {
  const actor = request.headers['x-shadowdiff-actor']
  const body = request.body as Body
  const cause = body && typeof body.cause === 'string' && body.cause.length > 0 ? body.cause : fallbackCause
  return { actor: typeof actor === 'string' && actor.length > 0 ? actor.slice(0, 100) : 'admin-api', cause: cause.slice(0, 500) }
}

export function registerSplitRoutes(admin: FastifyInstance, app: App): void {
  admin.get('/api/split', async () => app.traffic.state)

  admin.put('/api/split', async (request) => {
    const body = request.body as Body
    if (!body || typeof body !== 'object') throw new BadRequest('expected a JSON body like { "mode": "split", "weight": 5 }')
    const { cause: _cause, ...next } = body
    return app.control.setTraffic(next, who(request, 'PUT /api/split'))
  })

  admin.post('/api/rollback', async (request) => {
    const { actor, cause } = who(request, 'POST /api/rollback')
    return app.control.rollback(actor, cause)
  })

  admin.get('/api/promote', async () => app.control.promotionStatus())

  admin.post('/api/promote', async (request, reply) => {
    const body = request.body as Body
    if (!body || typeof body !== 'object') throw new BadRequest('expected a JSON body like { "steps": [1, 5, 25, 50, 100], "intervalMs": 300000 }')
    const { cause: _cause, replace, ...plan } = body
    if (replace !== undefined && typeof replace !== 'boolean') throw new BadRequest(`replace must be true or false, got ${JSON.stringify(replace)}`)
    const status = await app.control.startPromotion(plan as never, who(request, 'POST /api/promote').actor, { replace: replace === true })
    return reply.code(202).send(status)
  })

  admin.post('/api/promote/continue', async (request) => app.control.continuePromotion(who(request, 'POST /api/promote/continue').actor))

  admin.post('/api/promote/abort', async (request) => {
    const { actor, cause } = who(request, 'POST /api/promote/abort')
    return app.control.abortPromotion(cause, actor)
  })

  admin.get<{ Querystring: { since?: string; limit?: string } }>('/api/events', async (request) => {
    const since = request.query.since === undefined ? undefined : parseInstant(request.query.since, 'since')
    const limit = request.query.limit === undefined ? 1000 : Number(request.query.limit)
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new BadRequest(`limit: expected a whole number from 1 to 10000, got '${request.query.limit}'`)
    return app.control.events({ since, limit })
  })
}

import type { FastifyInstance } from 'fastify'
import type { App } from '../app.js'

export function registerRulesRoutes(admin: FastifyInstance, app: App): void {
  admin.post('/api/rules/reload', async (_request, reply) => {
    const ok = app.rules.reload('POST /api/rules/reload')
    const status = app.rules.status()
    // 422: the request was understood but the new rules are invalid; the old ones still serve.
    return reply.code(ok ? 200 : 422).send({ ok, ...status })
  })
}

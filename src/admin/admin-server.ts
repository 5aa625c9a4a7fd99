/**
 * The admin API: status, reports, diffs, gates, rule reloads and traffic
 * control. Served by fastify on its own port (127.0.0.1 by default), never on
 * the client-facing port.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import type { App } from '../app.js'
import { ShadowdiffError } from '../errors.js'
import { bearerAuth } from './admin-auth.js'
import { registerStatusRoutes } from './status-routes.js'
import { registerReportRoutes } from './report-routes.js'
import { registerGateRoutes } from './gate-routes.js'
import { registerRulesRoutes } from './rules-routes.js'
import { registerSplitRoutes } from './split-routes.js'
import { registerMetricsRoutes } from './metrics-route.js'

export function buildAdminServer(app: App): FastifyInstance {
  const admin = Fastify({ logger: false })
  if (app.config.adminToken) admin.addHook('onRequest', bearerAuth(app.config.adminToken))
  admin.setErrorHandler((err, _request, reply) => {
    if (err instanceof ShadowdiffError) {
      // Usage mistakes in query parameters are the caller's: 400, not 500.
      const status = ['SHD_USAGE', 'SHD_CONFIG_INVALID', 'SHD_BAD_REQUEST'].includes(err.code) ? 400 : err.statusCode
      return reply.code(status).send({ error: { code: err.code, message: err.message } })
    }
    const status = (err as { statusCode?: number }).statusCode ?? 500
    if (status >= 500) app.logger.error({ err }, 'admin request failed')
    return reply.code(status).send({ error: { code: 'SHD_ADMIN_ERROR', message: (err as Error).message } })
  })
  admin.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: { code: 'SHD_NOT_FOUND', message: `Not Found: ${request.method} ${request.url}` } })
  })
  registerStatusRoutes(admin, app)
  registerReportRoutes(admin, app)
  registerGateRoutes(admin, app)
  registerRulesRoutes(admin, app)
  registerSplitRoutes(admin, app)
  registerMetricsRoutes(admin, app)
  return admin
}

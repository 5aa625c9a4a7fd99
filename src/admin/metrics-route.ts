/**
 * `GET /metrics` on the admin port: the Prometheus text format, behind the
 * admin bearer token when one is set (Prometheus: `authorization:
 * { credentials: TOKEN }` in the scrape config). See docs/metrics.md.
 */
import type { FastifyInstance } from 'fastify'
import { ShadowdiffMetrics, type MetricsOptions, type MetricsSource } from './metrics.js'

/**
 * Creates the app's metrics and serves them.
 *
 * @example
 *   registerMetricsRoutes(admin, app) // in buildAdminServer
 */
export function registerMetricsRoutes(admin: FastifyInstance, app: MetricsSource, opts?: MetricsOptions): ShadowdiffMetrics {
  const metrics = new ShadowdiffMetrics(app, opts)
  admin.get('/metrics', async (_request, reply) => {
    const text = await metrics.scrape()
    return reply.type(metrics.contentType).send(text)
  })
  return metrics
}

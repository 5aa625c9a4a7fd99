import type { FastifyInstance } from 'fastify'
import type { App } from '../app.js'

export function registerStatusRoutes(admin: FastifyInstance, app: App): void {
  admin.get('/healthz', async () => ({ ok: true }))
  admin.get('/api/status', async () => app.status())
}

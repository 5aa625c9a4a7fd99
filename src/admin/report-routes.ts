/**
 * Live reports on the admin port: the same JSON as `shadowdiff report
 * --format json`, the divergent exchanges, and the HTML report a reviewer
 * opens in a browser.
 */
import type { FastifyInstance } from 'fastify'
import type { App } from '../app.js'
import { parseWindow } from '../time-window.js'
import { buildReport } from '../report/build-report.js'
import { renderHtml } from '../report/render-html.js'
import { renderMarkdown } from '../report/render-markdown.js'
import { listDivergences } from '../store/list-divergences.js'
import { gateThresholds } from './gate-routes.js'
import { UsageError } from '../errors.js'

type Query = Record<string, string | undefined>

export function liveReport(app: App, query: Query) {
  // Flush first so the report includes everything compared so far.
  app.recorder.flush()
  return buildReport([app.config.db], { ...parseWindow(query), thresholds: gateThresholds(app, query), noise: app.config.noise })
}

export function registerReportRoutes(admin: FastifyInstance, app: App): void {
  admin.get<{ Querystring: Query }>('/api/report', async (request) => liveReport(app, request.query))

  admin.get<{ Querystring: Query }>('/api/diffs', async (request) => {
    app.recorder.flush()
    const limit = request.query.limit === undefined ? 100 : Number(request.query.limit)
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
      throw new UsageError(`limit: expected a whole number from 1 to 10000, got '${request.query.limit}'`)
    }
    return listDivergences([app.config.db], { ...parseWindow(request.query), limit, route: request.query.route })
  })

  admin.get<{ Querystring: Query }>('/reports/latest.html', async (request, reply) => {
    const html = renderHtml(liveReport(app, request.query))
    return reply.type('text/html; charset=utf-8').header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:").send(html)
  })

  admin.get<{ Querystring: Query }>('/reports/latest.md', async (request, reply) => {
    return reply.type('text/markdown; charset=utf-8').send(renderMarkdown(liveReport(app, request.query)))
  })
}

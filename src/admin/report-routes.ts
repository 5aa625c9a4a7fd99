/**
 * Live reports on the admin port: the same JSON as `shadowdiff report
 * --format json`, the divergent exchanges, and the HTML report a reviewer
 * opens in a browser. On PostgreSQL they describe the whole fleet (every
 * instance writes into the one database), read through a snapshot of the
 * window (src/store/pg/readable-sources.ts); the same question asked again
 * within FLEET_CACHE_MS gets the same answer, so a dashboard or a rollout
 * controller polling several instances does not copy the window each time.
 */
import type { FastifyInstance } from 'fastify'
import type { App } from '../app.js'
import { parseWindow } from '../time-window.js'
import { buildReport } from '../report/build-report.js'
import type { BuildReportOptions } from '../report/build-report.js'
import { readReport } from '../report/read-report.js'
import type { Report } from '../report/report-types.js'
import { readerPool } from '../store/pg/pg-engine.js'
import { withReadableSources } from '../store/pg/readable-sources.js'
import { renderHtml } from '../report/render-html.js'
import { renderMarkdown } from '../report/render-markdown.js'
import { listDivergences } from '../store/list-divergences.js'
import { gateThresholds } from './gate-routes.js'
import { UsageError } from '../errors.js'

type Query = Record<string, string | undefined>

/** How long a fleet report (PostgreSQL) is reused for the same query. */
export const FLEET_CACHE_MS = 1000

const fleetCache = new WeakMap<App, Map<string, { at: number; report: Promise<Report> }>>()

export async function liveReport(app: App, query: Query): Promise<Report> {
  const opts: BuildReportOptions = { ...parseWindow(query), thresholds: gateThresholds(app, query), noise: app.config.noise }
  const pool = readerPool(app.recorder.engine)
  if (pool === undefined) {
    // Flush first so the report includes everything compared so far.
    await app.recorder.flushed()
    return buildReport([app.config.db], opts)
  }
  let cache = fleetCache.get(app)
  if (cache === undefined) fleetCache.set(app, (cache = new Map()))
  const key = JSON.stringify(query)
  const now = Date.now()
  const hit = cache.get(key)
  if (hit !== undefined && now - hit.at < FLEET_CACHE_MS) return hit.report
  for (const [k, v] of cache) if (now - v.at >= FLEET_CACHE_MS) cache.delete(k)
  // Concurrent identical questions share one snapshot; a failed one is not kept.
  const report = app.recorder.flushed().then(() => readReport([app.config.db], opts, pool))
  cache.set(key, { at: now, report })
  report.catch(() => cache.delete(key))
  return report
}

export function registerReportRoutes(admin: FastifyInstance, app: App): void {
  admin.get<{ Querystring: Query }>('/api/report', async (request) => liveReport(app, request.query))

  admin.get<{ Querystring: Query }>('/api/diffs', async (request) => {
    const limit = request.query.limit === undefined ? 100 : Number(request.query.limit)
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
      throw new UsageError(`limit: expected a whole number from 1 to 10000, got '${request.query.limit}'`)
    }
    await app.recorder.flushed()
    const window = parseWindow(request.query)
    return withReadableSources(
      [app.config.db],
      { ...window, aggregates: false, events: false, learned: false },
      ({ files }) => listDivergences(files, { ...window, limit, route: request.query.route }),
      { pool: readerPool(app.recorder.engine) },
    )
  })

  admin.get<{ Querystring: Query }>('/reports/latest.html', async (request, reply) => {
    const html = renderHtml(await liveReport(app, request.query))
    return reply.type('text/html; charset=utf-8').header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:").send(html)
  })

  admin.get<{ Querystring: Query }>('/reports/latest.md', async (request, reply) => {
    return reply.type('text/markdown; charset=utf-8').send(renderMarkdown(await liveReport(app, request.query)))
  })
}

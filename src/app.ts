/**
 * buildApp(config) wires the pipeline stages together and returns a handle
 * that can listen, drain and close. It never listens by itself: tests build
 * an app, listen on port 0 and talk HTTP to it.
 *
 *   client → proxy ─┬─ served side (primary) ──→ client
 *                   └─ mirror scheduler → candidate (+ secondary)
 *                          ↓ settled exchange
 *                      compare stage → recorder → SQLite (batched)
 */
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import type http from 'node:http'
import { Pool } from 'undici'
import type { FastifyInstance } from 'fastify'
import type { Config } from './config.js'
import { createLogger, type Logger } from './logger.js'
import { PipelineStats } from './stats.js'
import { RulesReloader } from './rules/rules-reloader.js'
import { MirrorScheduler } from './mirror/mirror-scheduler.js'
import { CompareStage } from './diff/compare-stage.js'
import { createNoiseCanceller, type NoiseCanceller } from './noise/noise-canceller.js'
import { createProxyServer } from './proxy/proxy-server.js'
import { compileSecretPaths } from './store/redact-path.js'
import { splitTrafficRouter } from './proxy/split-traffic-router.js'
import { createReceiverServer } from './proxy/receiver-server.js'
import { openDatabase } from './store/open-database.js'
import { Recorder } from './store/recorder.js'
import { buildAdminServer } from './admin/admin-server.js'
import { buildReport } from './report/build-report.js'
import { TrafficMode } from './split/traffic-mode.js'
import { persistTraffic } from './split/promotion-store.js'
import { SplitRouter } from './split/split-router.js'
import { Promotion } from './split/promotion.js'
import { validateSplitOptions } from './split/split-options.js'
import type { AuditEvent as SplitAuditEvent } from './split/audit-event.js'

export interface App {
  config: Config
  logger: Logger
  stats: PipelineStats
  rules: RulesReloader
  recorder: Recorder
  scheduler: MirrorScheduler
  compare: CompareStage
  noise: NoiseCanceller
  proxy: http.Server
  admin: FastifyInstance
  /** Who serves real users: shadow, split (weight %) or candidate. */
  traffic: TrafficMode
  split: SplitRouter
  promotion: Promotion
  /** Listens on the configured ports (0 picks a free one); returns both base URLs. */
  listen(): Promise<{ proxyUrl: string; adminUrl: string }>
  /** Waits until every mirror has settled, every comparison is done, and the store has flushed. */
  drain(): Promise<void>
  /** Graceful stop: refuse new connections, finish in-flight requests, drain (bounded), close the database. */
  close(opts?: { graceMs?: number }): Promise<void>
  status(): Record<string, unknown>
}

export interface BuildOptions {
  logger?: Logger
  /** Receiver mode (`shadowdiff compare`): answer gateway copies with 204, call every side in the background. */
  receiver?: boolean
}

export function buildApp(config: Config, opts: BuildOptions = {}): App {
  const logger = opts.logger ?? createLogger(config.logLevel)
  const startedAt = new Date()
  const stats = new PipelineStats()
  const rules = new RulesReloader(config.rules, logger)
  const db = openDatabase(config.db)
  const recorder = new Recorder(db, {
    flushIntervalMs: config.store.flushIntervalMs,
    maxPending: config.store.maxPending,
    bodyCapBytes: config.store.bodyCapBytes,
    redact: { headers: config.store.redactHeaders, bodyPointers: config.store.redactBody, query: config.store.redactQuery, paths: config.store.redactPath },
    retention: { retainDays: config.store.retainDays, maxDbMb: config.store.maxDbMb },
    logger,
  })
  stats.attach(recorder)
  const scheduler = new MirrorScheduler(
    {
      primary: config.primary,
      candidate: config.candidate,
      secondary: config.secondary,
      maxInFlight: config.mirror.maxInFlight,
      minInFlight: config.mirror.minInFlight,
      concurrency: config.mirror.concurrency,
      memoryBytes: config.mirror.memoryMb * 1024 * 1024,
      maxQueue: config.mirror.maxQueue,
      timeoutMs: config.mirror.timeoutMs,
      captureBytes: config.diff.captureBytes,
    },
    stats,
  )
  const noise = createNoiseCanceller(recorder, { ...config.noise, secondary: config.secondary !== null })
  const compare = new CompareStage(recorder, stats, config.diff.maxQueue, noise)
  const servingPool = (origin: string) =>
    new Pool(origin, {
      connections: config.proxy.connections,
      pipelining: 1,
      headersTimeout: config.proxy.timeoutMs,
      bodyTimeout: config.proxy.timeoutMs,
      keepAliveTimeout: 4_000,
    })
  const pools = { primary: servingPool(config.primary), candidate: servingPool(config.candidate) }

  // Split stage: the traffic state survives restarts (persistTraffic must run
  // before the promotion resumes, or the restored state would look like an
  // outside change), and every change is an audit event in the store.
  const traffic = new TrafficMode({ reverseShadow: config.split.reverseShadow })
  const recordAudit = (ev: SplitAuditEvent) =>
    recorder.recordEvent({ at: new Date(ev.at).toISOString(), type: ev.type, actor: ev.actor, cause: ev.cause, data: ev.data as unknown as Record<string, unknown> })
  traffic.subscribe(recordAudit)
  persistTraffic(traffic, db)
  const split = new SplitRouter(
    traffic,
    validateSplitOptions({
      stickyHeader: config.split.stickyHeader ?? undefined,
      stickyCookie: config.split.stickyCookie ?? undefined,
      routeOverrideHeader: config.split.routeOverrideHeader ?? undefined,
      servedByHeader: config.split.servedByHeader,
      rollbackWindow: config.split.rollbackWindowMs,
      rollbackMaxFailureRate: config.split.rollbackMaxFailureRate * 100,
      rollbackMinRequests: config.split.rollbackMinRequests,
    }),
  )
  const router = splitTrafficRouter(split, config.secondary !== null)
  const promotion = new Promotion({
    db,
    traffic,
    onEvent: recordAudit,
    // The gate on the traffic since the step began (minute resolution: the store aggregates per minute).
    evaluate: async (sinceMs, thresholds) => {
      recorder.flush()
      const { verdict } = buildReport([config.db], { since: sinceMs, thresholds: { ...config.gate, ...(thresholds ?? {}) }, noise: config.noise })
      return { ok: verdict.ok, reasons: verdict.reasons }
    },
    onListenerError: (err) => logger.error({ err }, 'audit listener failed'),
  })

  const proxy = (opts.receiver ? createReceiverServer : createProxyServer)({
    config,
    stats,
    rules: rules.current,
    router: () => router,
    scheduler,
    onSettled: compare.accept,
    pools,
    logger,
    foldPath: config.store.redactPath.length > 0 ? compileSecretPaths(config.store.redactPath, 'store.redactPath').fold : undefined,
    onCandidateOutcome: (ok) => split.recordCandidate(ok),
  })

  const app: App = {
    config,
    logger,
    stats,
    rules,
    recorder,
    scheduler,
    compare,
    noise,
    proxy,
    admin: undefined as unknown as FastifyInstance,
    traffic,
    split,
    promotion,
    async listen() {
      proxy.listen(config.port, config.host)
      await once(proxy, 'listening')
      await app.admin.listen({ port: config.adminPort, host: config.adminHost })
      rules.watch()
      const p = proxy.address() as AddressInfo
      const a = app.admin.server.address() as AddressInfo
      const proxyUrl = `http://${hostFor(config.host)}:${p.port}`
      const adminUrl = `http://${hostFor(config.adminHost)}:${a.port}`
      logger.info({ proxy: proxyUrl, admin: adminUrl, primary: config.primary, candidate: config.candidate }, 'shadowdiff listening')
      return { proxyUrl, adminUrl }
    },
    async drain() {
      // Mirrors settle into the compare stage, which feeds the recorder: drain in that order.
      await scheduler.drain()
      await compare.drain()
      recorder.flush()
    },
    async close({ graceMs = 10_000 } = {}) {
      rules.close()
      promotion.close()
      // Keep-alive clients would go on sending on their open connections until the grace ran out.
      proxy.on('request', (_req, res: http.ServerResponse) => res.headersSent || res.setHeader('connection', 'close'))
      const closed = new Promise<void>((resolve) => proxy.close(() => resolve()))
      // close() only closes the connections idle right now: close the others as they go idle.
      const sweep = setInterval(() => proxy.closeIdleConnections(), 100).unref()
      const deadline = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref())
      if ((await Promise.race([closed, deadline])) === 'timeout') {
        logger.warn({ graceMs }, 'clients still connected after the grace period; closing their connections')
        proxy.closeAllConnections()
      }
      clearInterval(sweep)
      // When the clients used up the grace, the deadline has already passed:
      // mirrors still out are cancelled at once, but only a real one is warned about.
      const drained = app.drain().then(() => 'ok' as const)
      if ((await Promise.race([drained, deadline])) === 'timeout') {
        if (scheduler.inFlight + scheduler.queued > 0) {
          logger.warn({ inFlight: scheduler.inFlight, queued: scheduler.queued }, 'mirrors still in flight after the grace period; cancelling them')
        }
        await scheduler.destroy()
        await compare.drain()
      }
      await app.admin.close()
      await Promise.all([pools.primary.close(), pools.candidate.close(), scheduler.close()])
      recorder.close()
      logger.info(stats.toJSON(), 'shadowdiff stopped')
    },
    status() {
      const { mode, weight, reverseShadow } = traffic.state
      return {
        // A receiver (shadowdiff compare) serves no client: it only compares gateway copies.
        mode: opts.receiver ? 'receiver' : mode,
        weight,
        reverseShadow,
        promotion: promotion.status().state,
        startedAt: startedAt.toISOString(),
        primary: config.primary,
        candidate: config.candidate,
        secondary: config.secondary,
        inFlight: scheduler.inFlight,
        queued: scheduler.queued,
        mirrorControl: scheduler.status(),
        compareQueued: compare.queued,
        compareHeld: compare.held,
        compareHeldOverflow: compare.heldOverflow,
        ...stats.toJSON(),
        store: recorder.stats(),
        noise: noise.stats(),
        rules: rules.status(),
      }
    },
  }
  app.admin = buildAdminServer(app)
  return app
}

function hostFor(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1'
  return host.includes(':') ? `[${host}]` : host
}

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
import { setTimeout as delay } from 'node:timers/promises'
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
import type { ServingSide } from './proxy/served-response.js'
import { compileSecretPaths } from './store/redact-path.js'
import { splitTrafficRouter } from './proxy/split-traffic-router.js'
import { createReceiverServer } from './proxy/receiver-server.js'
import { openDatabase } from './store/open-database.js'
import { Recorder } from './store/recorder.js'
import { buildAdminServer } from './admin/admin-server.js'
import type { RedactOptions } from './store/redact.js'
import { CaptureSink } from './capture/capture-sink.js'
import { readReport } from './report/read-report.js'
import type { StoreEngine } from './store/store-engine.js'
import { SqliteEngine } from './store/sqlite-engine.js'
import { readerPool } from './store/pg/pg-engine.js'
import type { PgPool } from './store/pg/pg-connection.js'
import { retentionOf } from './store/open-store.js'
import { resolveRetention } from './store/retention.js'
import { describeDatabase, isPostgresUrl } from './store/database-url.js'
import { UsageError } from './errors.js'
import { TrafficMode } from './split/traffic-mode.js'
import { persistTraffic } from './split/promotion-store.js'
import { SplitRouter } from './split/split-router.js'
import { Promotion } from './split/promotion.js'
import type { GateVerdict as StepGateVerdict } from './split/promotion.js'
import type { StepEvidence } from './split/promotion-plan.js'
import type { GateVerdict } from './report/report-types.js'
import { validateSplitOptions } from './split/split-options.js'
import { modeSides } from './split/mode-sides.js'
import type { AuditEvent as SplitAuditEvent } from './split/audit-event.js'
import { LocalSplitControl, type SplitControl } from './split/split-control.js'
import { FleetSplitControl } from './split/fleet-control.js'
import type { FleetConnection } from './split/fleet-connection.js'
import { listEvents } from './store/list-events.js'
import { withReadableSources } from './store/pg/readable-sources.js'

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
  /** The connection pools to the sides that serve clients (`stats` shows connections running, pending, queued). */
  pools: Record<ServingSide, Pool>
  admin: FastifyInstance
  /** Who serves real users: shadow, split (weight %) or candidate. */
  traffic: TrafficMode
  split: SplitRouter
  /** This instance's promotion (on a fleet: live while it drives, else a mirror of the shared one). */
  promotion: Promotion
  /** Every change of the split and the promotion goes through here (this process, or the fleet's shared database). */
  control: SplitControl
  /** The capture file's writer (capture.file), or null when nothing is captured. */
  capture: CaptureSink | null
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
  /** The store, opened by openStore(config) (required for a PostgreSQL `db`: connecting is asynchronous). */
  store?: StoreEngine
  /** Receiver mode (`shadowdiff compare`): answer gateway copies with 204, call every side in the background. */
  receiver?: boolean
  /** The fleet's shared control plane, connected by connectFleet() (a PostgreSQL `db`); without it, this process's own. */
  fleet?: FleetConnection
}

/**
 * The comparison pipeline every command shares: rules, the mirror scheduler,
 * the compare stage with noise cancellation, and the recorder in front of
 * the database. `serve` and `compare` put a server in front of it; `replay`
 * feeds it from a capture file (src/replay/replay-runner.ts), so a replay is
 * compared and recorded exactly as live traffic is.
 */
export interface Pipeline {
  stats: PipelineStats
  rules: RulesReloader
  db: ReturnType<typeof openDatabase>
  recorder: Recorder
  scheduler: MirrorScheduler
  noise: NoiseCanceller
  compare: CompareStage
}

export function buildPipeline(config: Config, logger: Logger, store?: StoreEngine): Pipeline {
  const stats = new PipelineStats()
  const engine = store ?? sqliteStore(config)
  const rules = new RulesReloader(config.rules, logger)
  // The split stage's saved state lives beside the data in SQLite. On PostgreSQL it is the fleet's
  // (src/split/fleet-control.ts); this in-memory file serves only an app built without it (compare).
  const db = engine instanceof SqliteEngine ? engine.db : openDatabase(':memory:')
  const recorder = new Recorder(engine, {
    flushIntervalMs: config.store.flushIntervalMs,
    maxPending: config.store.maxPending,
    bodyCapBytes: config.store.bodyCapBytes,
    redact: redactOptions(config),
    retention: retentionOf(config),
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
      maxResponseBytes: config.mirror.maxResponseBytes,
    },
    stats,
  )
  const noise = createNoiseCanceller(recorder, { ...config.noise, secondary: config.secondary !== null })
  const compare = new CompareStage(recorder, stats, config.diff.maxQueue, noise, { captureBytes: config.diff.captureBytes })
  return { stats, rules, db, recorder, scheduler, noise, compare }
}

/** The SQLite store of `config.db`, opened synchronously; a PostgreSQL URL must be opened with openStore() first. */
function sqliteStore(config: Config): SqliteEngine {
  if (isPostgresUrl(config.db)) {
    throw new UsageError(`db ${describeDatabase(config.db)}: a PostgreSQL store is opened asynchronously; open it with openStore(config) and pass it as { store }`)
  }
  return new SqliteEngine(openDatabase(config.db), resolveRetention(retentionOf(config)))
}

/** The store's redaction settings: the recorder and the capture file hide the same secrets. */
export function redactOptions(config: Config): RedactOptions {
  return { headers: config.store.redactHeaders, bodyPointers: config.store.redactBody, query: config.store.redactQuery, paths: config.store.redactPath }
}

export function buildApp(config: Config, opts: BuildOptions = {}): App {
  const logger = opts.logger ?? createLogger(config.logLevel, config.logFormat)
  const startedAt = new Date()
  const { stats, rules, db, recorder, scheduler, noise, compare } = buildPipeline(config, logger, opts.store)
  const capture = config.capture.file === null ? null : new CaptureSink(config.capture, redactOptions(config), logger)
  const servingPool = (origin: string) =>
    new Pool(origin, {
      connections: config.proxy.connections,
      pipelining: 1,
      headersTimeout: config.proxy.timeoutMs,
      bodyTimeout: config.proxy.timeoutMs,
      keepAliveTimeout: 4_000,
    })
  const pools = { primary: servingPool(config.primary), candidate: servingPool(config.candidate) }

  // Split stage. Alone, the traffic state survives restarts in SQLite (persistTraffic must run
  // before the promotion resumes, or the restored state would look like an outside change), and
  // every change is an audit event in the store. On a fleet, the shared database holds both
  // (src/split/fleet-control.ts) and this instance applies what it says.
  const traffic = new TrafficMode({ reverseShadow: config.split.reverseShadow })
  let fleet: FleetSplitControl | undefined
  const recordAudit = (ev: SplitAuditEvent) =>
    recorder.recordEvent({ at: new Date(ev.at).toISOString(), type: ev.type, actor: ev.actor, cause: ev.cause, data: ev.data as unknown as Record<string, unknown> })
  if (!opts.fleet) {
    traffic.subscribe(recordAudit)
    persistTraffic(traffic, db)
  }
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
    // On a fleet an automatic rollback reaches every instance, through the shared state.
    opts.fleet ? { rollback: (reason) => fleet!.autoRollback(reason) } : {},
  )
  const router = splitTrafficRouter(split, config.secondary !== null)
  // The gate on exactly the traffic since the step's window began (the store counts per second).
  const fleetLagMs = opts.fleet ? config.store.flushIntervalMs + 500 : 0
  const evaluate = async (sinceMs: number, thresholds?: Record<string, unknown>): Promise<StepGateVerdict> => {
    // Whole seconds that have ended: every exchange of the window has started, and the drain below settles them.
    const until = Math.floor(Date.now() / 1000) * 1000
    if (until <= sinceMs) return { ok: false, verdict: 'inconclusive', reasons: ['the step has not yet lasted a whole second'] }
    // On a fleet the other instances' exchanges of those seconds arrive with their next flush: wait for it.
    if (fleetLagMs > 0) await delay(Math.max(0, until + fleetLagMs - Date.now()))
    // Exchanges still being mirrored or compared belong to the window too: wait for them (at most the
    // mirror timeout: under steady load the mirrors are never all idle), so a step is judged on what it
    // served, not on what happened to be compared yet.
    let timer: NodeJS.Timeout | undefined
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, config.mirror.timeoutMs).unref()))
    await Promise.race([scheduler.settledBefore(until).then(() => compare.drain()), bound])
    clearTimeout(timer)
    await recorder.flushed()
    const { verdict } = await readReport([config.db], { since: sinceMs, until, thresholds: { ...config.gate, ...(thresholds ?? {}) }, noise: config.noise }, poolOf(recorder))
    return stepVerdict(verdict, sinceMs, until)
  }
  let promotion: Promotion
  let control: SplitControl
  if (opts.fleet) {
    fleet = new FleetSplitControl(opts.fleet, { traffic, evaluate, logger })
    promotion = fleet.promotion
    control = fleet
  } else {
    promotion = new Promotion({
      db,
      traffic,
      onEvent: recordAudit,
      evaluate,
      onListenerError: (err) => logger.error({ err }, 'audit listener failed'),
    })
    control = new LocalSplitControl(traffic, promotion, async ({ since, limit }) => {
      await recorder.flushed()
      return withReadableSources(
        [config.db],
        { since, aggregates: false, exchanges: false, learned: false },
        ({ files }) => listEvents(files[0], { since, limit }),
        { pool: poolOf(recorder) },
      )
    })
  }

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
    capture: capture ?? undefined,
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
    pools,
    admin: undefined as unknown as FastifyInstance,
    traffic,
    split,
    promotion,
    control,
    capture,
    async listen() {
      proxy.listen(config.port, config.host)
      await once(proxy, 'listening')
      await app.admin.listen({ port: config.adminPort, host: config.adminHost })
      rules.watch()
      const p = proxy.address() as AddressInfo
      const a = app.admin.server.address() as AddressInfo
      const proxyUrl = `http://${hostFor(config.host)}:${p.port}`
      const adminUrl = `http://${hostFor(config.adminHost)}:${a.port}`
      // Announcing it ("shadowdiff listening", or a banner) is the command's job: src/cli/run-until-signal.ts.
      return { proxyUrl, adminUrl }
    },
    async drain() {
      // Mirrors settle into the compare stage, which feeds the recorder: drain in that order.
      await scheduler.drain()
      await compare.drain()
      await recorder.flushed()
      await capture?.flush()
    },
    async close({ graceMs = 10_000 } = {}) {
      rules.close()
      // A fleet's driver gives its lease up first, so another instance takes the promotion over at once.
      await control.close()
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
      await Promise.all([pools.primary.close(), pools.candidate.close(), scheduler.close(), capture?.close()])
      await recorder.close()
    },
    status() {
      const { mode, weight, reverseShadow } = traffic.state
      return {
        // A receiver (shadowdiff compare) serves no client: it only compares gateway copies.
        mode: opts.receiver ? 'receiver' : mode,
        weight,
        reverseShadow,
        // Which side serves and which is compared in this mode: a mode that compares nothing shows here.
        sides: opts.receiver ? undefined : modeSides(traffic.state),
        promotion: control.promotionStatus().state,
        ...(fleet && { control: fleet.status() }),
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
        compareUndecided: compare.undecided,
        ...stats.toJSON(),
        store: recorder.stats(),
        noise: noise.stats(),
        rules: rules.status(),
        ...(capture !== null && { capture: capture.stats() }),
      }
    },
  }
  app.admin = buildAdminServer(app)
  return app
}

/**
 * A gate verdict as a promotion step uses it. Without a confidence, "too few
 * samples" fails the CLI gate (no evidence is not a pass) but is only
 * inconclusive for a step still collecting traffic: the step waits, and it
 * fails only if the evidence never comes (maxIntervalMs).
 */
function stepVerdict(v: GateVerdict, since: number, until: number): StepGateVerdict {
  const shortfall = (r: string) => /(^|: )too few samples: /.test(r)
  const verdict = v.verdict === 'fail' && v.reasons.every(shortfall) ? 'inconclusive' : v.verdict
  const evidence: StepEvidence = {
    at: until,
    since,
    until,
    verdict,
    served: v.counts.served,
    compared: v.counts.compared,
    divergent: v.counts.divergent,
    divergenceRate: v.divergenceRate,
    candidateErrors: v.counts.candidateErrors,
    errorRate: v.errorRate,
    latencyRatio: v.latencyRatio,
    notMirrored: v.counts.notMirrored,
    skipped: v.counts.skipped,
    dropped: v.counts.dropped,
    ...(v.bounds && {
      confidence: v.bounds.confidence,
      divergenceBounds: [v.bounds.divergence.lower, v.bounds.divergence.upper] as [number, number],
      errorRateBounds: [v.bounds.errorRate.lower, v.bounds.errorRate.upper] as [number, number],
    }),
    ...(verdict === 'inconclusive' && { moreSamples: v.moreSamples ?? null }),
  }
  return { ok: verdict === 'pass', verdict, reasons: v.reasons, evidence }
}

/** The PostgreSQL pool of the recorder's store, for readers of the same database (undefined on SQLite). */
export function poolOf(recorder: Recorder): PgPool | undefined {
  return readerPool(recorder.engine)
}

function hostFor(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1'
  return host.includes(':') ? `[${host}]` : host
}

/**
 * Prometheus metrics for one shadowdiff instance, on a registry of its own
 * (never prom-client's global one: tests and embedders run several apps in
 * one process). Names and labels are documented in docs/metrics.md.
 *
 * The client's path pays nothing for them. Counters PipelineStats already
 * keeps (served, mirrored, skipped, dropped ...) are read at scrape time by
 * `collect()` callbacks instead of being incremented twice. Per-route
 * counters and latency histograms are fed by a CompareStage observer, which
 * runs in the comparison batches, after the client has its answer.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { PipelineStats } from '../stats.js'
import type { CompareObserver } from '../diff/compare-stage.js'
import type { RecorderStats } from '../store/store-types.js'
import type { ComparedExchange } from '../types.js'
import { RouteLabels } from './route-labels.js'

/** What the metrics read from the app (App satisfies it). */
export interface MetricsSource {
  stats: PipelineStats
  scheduler: { readonly inFlight: number; readonly queued: number; readonly limit: number; readonly share: number; readonly memoryBytes: number; status(): { memoryBudgetBytes: number } }
  compare: { readonly queued: number; readonly held: number; readonly heldOverflow: number; readonly undecided: number; observe(observer: CompareObserver): void }
  recorder: { stats(): RecorderStats }
  /** `mode` (shadow, split, candidate) and `weight` (0–100) are read when present. */
  status(): Record<string, unknown>
}

export interface MetricsOptions {
  /** Distinct `route` label values at most; later routes are labelled `other` (default 500). */
  maxRoutes?: number
  /** Also export Node's process metrics (CPU, memory, event-loop lag, GC) (default true). */
  processMetrics?: boolean
}

/** Traffic modes always exported by `shadowdiff_mode`, so a change shows as 1 → 0 rather than a vanished series. */
export const TRAFFIC_MODES = ['shadow', 'split', 'candidate'] as const

/** prom-client default gauges whose `_total` suffix breaks Prometheus' naming rule. */
const NON_COUNTER_TOTALS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']

/** Latency buckets in seconds: 1 ms to 10 s, dense where services usually answer. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

interface RouteSeries {
  compared: Counter.Internal
  divergent: Counter.Internal
  primary: Histogram.Internal<'side' | 'route'>
  candidate: Histogram.Internal<'side' | 'route'>
}

/**
 * @example
 *   const metrics = new ShadowdiffMetrics(app)
 *   admin.get('/metrics', async (_req, reply) => reply.type(metrics.contentType).send(await metrics.scrape()))
 */
export class ShadowdiffMetrics {
  readonly registry = new Registry()
  #routes: RouteLabels
  #series = new Map<string, RouteSeries>()
  #compared: Counter<'method' | 'route'>
  #divergent: Counter<'method' | 'route'>
  #latency: Histogram<'side' | 'route'>

  constructor(app: MetricsSource, opts: MetricsOptions = {}) {
    this.#routes = new RouteLabels(opts.maxRoutes ?? 500)
    const registers = [this.registry]
    const { stats } = app

    // Read at scrape time from PipelineStats: the hot path already counts these.
    fromStats('shadowdiff_requests_served_total', 'Requests answered (serve: clients; compare: gateway copies), including shadowdiff\'s own 4xx/5xx.', () => stats.served)
    byReason('shadowdiff_not_mirrored_total', 'Requests never sent to the other side, by reason (method, split-no-shadow, pinned).', () => stats.notMirroredBy)
    fromStats('shadowdiff_mirrored_total', 'Exchanges sent to the background sides (one per exchange, whatever the number of sides).', () => stats.mirrored)
    byReason(
      'shadowdiff_candidate_errors_total',
      'Compared exchanges where the candidate failed and the primary did not (answered below 500), by part: status_5xx (the candidate answered 5xx) and network (refused, reset, timeout, bad response). The gate\'s error rate counts the same.',
      () => ({ status_5xx: stats.candidateErrorsBy.status5xx, network: stats.candidateErrorsBy.network }),
    )
    fromStats('shadowdiff_upgrades_refused_total', 'Upgrade requests the primary answered without 101: the answer was relayed and the connection closed, never tunnelled.', () => stats.upgradesRefused)
    fromStats('shadowdiff_client_write_timeouts_total', 'Client connections cut because they took no response bytes for proxy.writeTimeoutMs.', () => stats.writeTimeouts)
    byReason('shadowdiff_skipped_total', 'Eligible requests not compared, by reason.', () => stats.skippedBy)
    byReason('shadowdiff_dropped_total', 'Mirrors or comparisons refused because a bound was reached, by reason.', () => stats.droppedBy)
    fromStats('shadowdiff_compare_held_overflow_total', 'Exchanges recorded at once, what they awaited as undecided, because the hold for noise evidence was full.', () => app.compare.heldOverflow)
    fromStats('shadowdiff_undecided_total', 'Compared exchanges recorded with differences the noise stage could not judge (undecided: counted divergent, never equal).', () => app.compare.undecided)
    fromStats('shadowdiff_store_lost_total', 'Records the store could not keep (database failing beyond the pending bounds).', () => app.recorder.stats().lost)
    fromStats('shadowdiff_store_failed_flushes_total', 'Store flushes that failed (retried on the next flush).', () => app.recorder.stats().failedFlushes)

    gauge('shadowdiff_mirror_in_flight', 'Exchanges on the wire to the background sides.', () => app.scheduler.inFlight)
    gauge('shadowdiff_mirror_queued', 'Exchanges waiting for a free in-flight slot.', () => app.scheduler.queued)
    gauge('shadowdiff_mirror_limit', 'In-flight limit in force for mirrored exchanges (adaptive: chosen from the candidate\'s latency).', () => app.scheduler.limit)
    gauge('shadowdiff_mirror_share', 'Share of eligible requests mirrored now, 0 to 1; the rest are skipped with reason="adaptive".', () => app.scheduler.share)
    gauge('shadowdiff_mirror_memory_bytes', 'Bytes held by queued and in-flight mirrored exchanges (request copies, captured bodies, overhead).', () => app.scheduler.memoryBytes)
    gauge('shadowdiff_mirror_memory_budget_bytes', 'The mirror memory budget (--mirror-memory).', () => app.scheduler.status().memoryBudgetBytes)
    gauge('shadowdiff_compare_queued', 'Settled exchanges waiting for comparison.', () => app.compare.queued)
    gauge('shadowdiff_compare_held', 'Compared exchanges waiting for noise evidence (a jitter bound, more secondary answers) before their verdict.', () => app.compare.held)
    gauge('shadowdiff_store_pending', 'Records held in memory, not yet written to SQLite.', () => app.recorder.stats().pending)
    new Gauge({
      name: 'shadowdiff_mode',
      help: 'Traffic mode: 1 for the current one (shadow, split, candidate), 0 for the others.',
      labelNames: ['mode'],
      registers,
      collect() {
        const mode = app.status().mode
        this.reset()
        for (const m of TRAFFIC_MODES) this.set({ mode: m }, m === mode ? 1 : 0)
        if (typeof mode === 'string' && !(TRAFFIC_MODES as readonly string[]).includes(mode)) this.set({ mode }, 1)
      },
    })
    new Gauge({
      name: 'shadowdiff_split_weight',
      help: 'Percentage of users served by the candidate (0 in shadow mode, 100 in candidate mode).',
      registers,
      collect() {
        const weight = app.status().weight
        this.set(typeof weight === 'number' && Number.isFinite(weight) ? weight : 0)
      },
    })

    // Fed by the compare stage, per route.
    this.#compared = new Counter({ name: 'shadowdiff_compared_total', help: 'Exchanges compared, by method and route.', labelNames: ['method', 'route'], registers })
    this.#divergent = new Counter({ name: 'shadowdiff_divergent_total', help: 'Compared exchanges with at least one divergence, by method and route.', labelNames: ['method', 'route'], registers })
    this.#latency = new Histogram({
      name: 'shadowdiff_latency_seconds',
      help: 'Response time of each side in compared exchanges (request start to end of body), by side and route.',
      labelNames: ['side', 'route'],
      buckets: LATENCY_BUCKETS,
      registers,
    })
    app.compare.observe(this.#observe)

    if (opts.processMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry })
      // prom-client names three gauges `*_total`, a suffix Prometheus keeps for
      // counters (`promtool check metrics` rejects them). Each is the sum of the
      // by-type gauge exported beside it (`nodejs_active_handles{type}` …), so
      // nothing is lost by dropping them.
      for (const name of NON_COUNTER_TOTALS) this.registry.removeSingleMetric(name)
    }

    function fromStats(name: string, help: string, read: () => number): void {
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset()
          this.inc(read())
        },
      })
    }
    function byReason(name: string, help: string, read: () => Record<string, number>): void {
      new Counter({
        name,
        help,
        labelNames: ['reason'],
        registers,
        collect() {
          this.reset()
          for (const [reason, n] of Object.entries(read())) this.inc({ reason }, n)
        },
      })
    }
    function gauge(name: string, help: string, read: () => number): void {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read())
        },
      })
    }
  }

  /** The Prometheus text exposition format's content type. */
  get contentType(): string {
    return this.registry.contentType
  }

  /** Every metric in the Prometheus text format. */
  scrape(): Promise<string> {
    return this.registry.metrics()
  }

  readonly #observe = (exchange: ComparedExchange): void => {
    const s = this.#seriesFor(exchange.request.method, exchange.route)
    s.compared.inc()
    if (exchange.divergences.length > 0) s.divergent.inc()
    if (exchange.primary.ok) s.primary.observe(exchange.primary.latencyMs / 1000)
    if (exchange.candidate.ok) s.candidate.observe(exchange.candidate.latencyMs / 1000)
  }

  /** Label children are looked up once per (method, route): prom-client hashes labels on every call otherwise. */
  #seriesFor(method: string, rawRoute: string): RouteSeries {
    const route = this.#routes.label(rawRoute)
    const key = `${method} ${route}`
    let s = this.#series.get(key)
    if (s === undefined) {
      s = {
        compared: this.#compared.labels(method, route),
        divergent: this.#divergent.labels(method, route),
        primary: this.#latency.labels('primary', route),
        candidate: this.#latency.labels('candidate', route),
      }
      // Export 0 from the first comparison on, so divergent/compared ratios exist before the first divergence.
      s.divergent.inc(0)
      this.#series.set(key, s)
    }
    return s
  }
}

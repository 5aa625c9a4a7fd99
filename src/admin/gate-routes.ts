/**
 * Gates for rollout controllers, over HTTP:
 * - Argo Rollouts' Web metric provider: `GET /api/gate` always answers 200
 *   with `{ data: { ok, … } }`, so an AnalysisTemplate reads it with
 *   `jsonPath: "{$.data}"` and `successCondition: result.ok`.
 * - Flagger webhooks: a `pre-rollout`/`rollout` webhook proceeds on 2xx and
 *   halts otherwise (`POST /api/gate/flagger`: 200 or 403); a `rollback`
 *   webhook rolls the canary back on 200 (`POST /api/gate/flagger/rollback`).
 */
import type { FastifyInstance } from 'fastify'
import type { App } from '../app.js'
import type { GateThresholds } from '../report/report-types.js'
import { thresholdOverrides } from '../gate/threshold-overrides.js'
import { liveReport } from './report-routes.js'

type Query = Record<string, string | undefined>

/** Config-file thresholds with query-parameter overrides. */
export function gateThresholds(app: App, query: Query): Partial<GateThresholds> {
  return { ...app.config.gate, ...thresholdOverrides(query) }
}

export function registerGateRoutes(admin: FastifyInstance, app: App): void {
  admin.get<{ Querystring: Query }>('/api/gate', async (request) => {
    const { verdict } = liveReport(app, request.query)
    return {
      data: {
        ok: verdict.ok,
        divergenceRate: verdict.divergenceRate,
        errorRate: verdict.errorRate,
        latencyRatio: verdict.latencyRatio,
        samples: verdict.samples,
        reasons: verdict.reasons,
        failingEndpoints: verdict.failingEndpoints,
      },
    }
  })

  admin.post<{ Querystring: Query }>('/api/gate/flagger', async (request, reply) => {
    const { verdict } = liveReport(app, request.query)
    return reply.code(verdict.ok ? 200 : 403).send({ ok: verdict.ok, reasons: verdict.reasons, samples: verdict.samples })
  })

  admin.post<{ Querystring: Query }>('/api/gate/flagger/rollback', async (request, reply) => {
    const { verdict } = liveReport(app, request.query)
    // 200 tells Flagger to roll back. Too few samples is not evidence of a
    // bad candidate, so only real threshold breaches trigger a rollback.
    const enoughData = verdict.samples >= (verdict.thresholds.minSamples ?? 0)
    const rollback = !verdict.ok && enoughData
    return reply.code(rollback ? 200 : 409).send({ rollback, reasons: verdict.reasons, samples: verdict.samples })
  })
}

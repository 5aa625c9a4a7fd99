/**
 * Gates for rollout controllers, over HTTP:
 * - Argo Rollouts' Web metric provider: `GET /api/gate` always answers 200
 *   with `{ data: { ok, … } }`, so an AnalysisTemplate reads it with
 *   `jsonPath: "{$.data}"` and `successCondition: result.ok`. A non-2xx
 *   answer would count as a measurement Error, not a Failure, so a failing
 *   gate is still a 200.
 * - Flagger webhooks: Flagger POSTs `{ name, namespace, phase, metadata }`
 *   and reads only the status (2xx, in practice 200–202, passes). A
 *   `confirm-rollout`/`pre-rollout`/`rollout`/`confirm-promotion` webhook
 *   proceeds on 200 and halts otherwise (`POST /api/gate/flagger`: 200 or
 *   403); a `rollback` webhook rolls the canary back on 200
 *   (`POST /api/gate/flagger/rollback`: 200 or 409). Flagger puts the body of
 *   a non-2xx answer in its events, so it carries the reasons.
 *
 * Thresholds: the config file's `gate` section, then Flagger `metadata`,
 * then query parameters (`?maxDivergence=0.02&minSamples=500&last=15m`,
 * `?confidence=0.95`). Flagger proceeds only on `pass`: an inconclusive
 * verdict answers 403 like a failing one, with `verdict` in the body.
 * With an admin token, Flagger (which cannot send headers) may give it as
 * `metadata.token` instead of `Authorization: Bearer`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { App } from '../app.js'
import type { Readable } from 'node:stream'
import { BadRequest, RequestTooLarge } from '../errors.js'
import type { GateThresholds, GateVerdict } from '../report/report-types.js'
import { THRESHOLD_KEYS, thresholdKey, thresholdOverrides } from '../gate/threshold-overrides.js'
import { liveReport } from './report-routes.js'
import { isHeaderAuthenticated, tokenMatches, unauthorized, type TokenInBodyConfig } from './admin-auth.js'

type Query = Record<string, string | undefined>

/** The largest Flagger payload read; its metadata is a handful of strings. */
const BODY_LIMIT = 64 * 1024

/**
 * Config-file thresholds (only those given: config.gate leaves the rest to
 * DEFAULT_THRESHOLDS, so the endpoint limit follows maxDivergence) with
 * query-parameter overrides.
 */
export function gateThresholds(app: App, query: Query): Partial<GateThresholds> {
  return { ...app.config.gate, ...thresholdOverrides(query, 'param') }
}

/**
 * What every gate answer carries: the verdict, minus the thresholds echo.
 * `ok` is true on `pass` only; `verdict` adds `inconclusive` (with a
 * confidence), so an Argo AnalysisTemplate with both a successCondition
 * (`result.verdict == "pass"`) and a failureCondition
 * (`result.verdict == "fail"`) gets Argo's own Inconclusive for the rest.
 */
function summary(v: GateVerdict) {
  return {
    ok: v.ok,
    verdict: v.verdict,
    window: v.window,
    counts: v.counts,
    ...(v.bounds && { bounds: v.bounds }),
    ...(v.moreSamples !== undefined && { moreSamples: v.moreSamples }),
    // False while fewer exchanges than minSamples were compared: lets a controller tell "no evidence yet" from "bad".
    enoughSamples: v.samples >= v.thresholds.minSamples,
    divergenceRate: v.divergenceRate,
    errorRate: v.errorRate,
    latencyRatio: v.latencyRatio,
    samples: v.samples,
    reasons: v.reasons,
    failingEndpoints: v.failingEndpoints,
  }
}

/** Reasons that say the data is too thin, not that the candidate is bad (wording from evaluate-gate.ts). */
function isShortfall(reason: string): boolean {
  return /(^|: )too few samples: /.test(reason)
}

export function registerGateRoutes(admin: FastifyInstance, app: App): void {
  admin.get<{ Querystring: Query }>('/api/gate', async (request) => {
    const { verdict } = await liveReport(app, request.query)
    return { data: summary(verdict) }
  })

  // Flagger's routes parse their own bodies, in a scope of their own so the
  // rest of the admin API keeps fastify's strict parsers.
  admin.register(async (scope) => {
    scope.removeAllContentTypeParsers()
    // Never fails the request itself: what was wrong with the body is kept
    // for preValidation, which answers 401 before it if the caller is not
    // authenticated (an unauthenticated bad body must not learn 400 or 413).
    scope.addContentTypeParser('*', (request, payload, done) => {
      readBounded(payload, request.headers['content-length'], BODY_LIMIT, (body) => done(null, body))
    })

    const token = app.config.adminToken
    scope.addHook('preValidation', async (request: FastifyRequest<{ Body: FlaggerPayload | ReadBody | undefined }>, reply) => {
      const read = request.body as ReadBody | undefined
      // Flagger sends no headers: without one (onRequest refused a wrong one), the token is metadata.token.
      if (token && !isHeaderAuthenticated(request) && !tokenMatches(token, metadataToken(read?.payload))) return unauthorized(reply)
      if (read?.problem) {
        // The body may not have been read to its end.
        reply.header('connection', 'close')
        throw read.problem
      }
      request.body = read?.payload
      return undefined
    })
    const config: TokenInBodyConfig = { tokenInBody: true }

    scope.post<{ Querystring: Query; Body: FlaggerPayload | undefined }>('/api/gate/flagger', { config }, async (request, reply) => {
      const { verdict } = await liveReport(app, { ...metadataParams(request.body), ...normalised(request.query) })
      return reply.code(verdict.ok ? 200 : 403).send(summary(verdict))
    })

    scope.post<{ Querystring: Query; Body: FlaggerPayload | undefined }>('/api/gate/flagger/rollback', { config }, async (request, reply) => {
      const { verdict } = await liveReport(app, { ...metadataParams(request.body), ...normalised(request.query) })
      // 200 tells Flagger to roll back. Too few samples, or an inconclusive
      // verdict, is not evidence of a bad candidate: only a failure on enough data rolls back.
      const breaches = verdict.reasons.filter((r) => !isShortfall(r))
      const rollback = verdict.verdict === 'fail' && verdict.samples >= verdict.thresholds.minSamples && breaches.length > 0
      return reply.code(rollback ? 200 : 409).send({ rollback, ...summary(verdict) })
    })
  })
}

/** Flagger's webhook payload (flaggerv1.CanaryWebhookPayload); every field optional here. */
export interface FlaggerPayload {
  name?: string
  namespace?: string
  phase?: string
  metadata?: Record<string, unknown>
}

/** What the bounded reader made of a body: the payload, or what was wrong with it. */
interface ReadBody {
  payload?: FlaggerPayload
  problem?: Error
}

/**
 * Reads at most `limit` bytes of a body and parses it as Flagger's payload.
 * Beyond the limit (by Content-Length, or as it streams) it stops reading at
 * once: the rest is never read, and the answer closes the connection.
 */
function readBounded(stream: Readable, contentLength: string | undefined, limit: number, done: (body: ReadBody) => void): void {
  if (Number(contentLength) > limit) return done({ problem: new RequestTooLarge(limit) })
  const chunks: Buffer[] = []
  let received = 0
  const finish = (body: ReadBody) => {
    stream.off('data', onData)
    stream.off('end', onEnd)
    stream.off('error', onError)
    done(body)
  }
  const onData = (chunk: Buffer) => {
    received += chunk.length
    if (received > limit) {
      stream.pause()
      return finish({ problem: new RequestTooLarge(limit) })
    }
    chunks.push(chunk)
  }
  const onEnd = () => {
    try {
      finish({ payload: parseFlaggerPayload(Buffer.concat(chunks, received).toString('utf8')) })
    } catch (err) {
      finish({ problem: err as Error })
    }
  }
  const onError = (err: Error) => finish({ problem: new BadRequest(`body: ${err.message}`) })
  stream.on('data', onData)
  stream.on('end', onEnd)
  stream.on('error', onError)
}

/** An empty body is fine (curl -X POST); anything else must be a JSON object. */
function parseFlaggerPayload(text: string): FlaggerPayload | undefined {
  if (text.trim() === '') return undefined
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    throw new BadRequest(`body: expected Flagger's JSON payload {"name", "namespace", "phase", "metadata"}, got invalid JSON (${(err as Error).message})`)
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new BadRequest(`body: expected Flagger's JSON payload {"name", "namespace", "phase", "metadata"}, got ${Array.isArray(doc) ? 'a list' : JSON.stringify(doc)}`)
  }
  const metadata = (doc as FlaggerPayload).metadata
  if (metadata !== undefined && metadata !== null && (typeof metadata !== 'object' || Array.isArray(metadata))) {
    throw new BadRequest(`body.metadata: expected a mapping of strings (Flagger webhook metadata), got ${JSON.stringify(metadata)}`)
  }
  return doc as FlaggerPayload
}

/**
 * The gate's parameters carried in Flagger metadata: threshold keys
 * (`maxDivergence` or `max-divergence`, …) and the window (`last`, `since`,
 * `until`). Other keys belong to Flagger or another tool and are left alone.
 * Flagger metadata values are strings; numbers are accepted too.
 */
function metadataParams(body: FlaggerPayload | undefined): Query {
  const out: Query = {}
  for (const [key, value] of Object.entries(body?.metadata ?? {})) {
    const name = thresholdKey(key)
    if (!GATE_PARAMS.has(name) || value === undefined || value === null) continue
    out[name] = typeof value === 'string' ? value : JSON.stringify(value)
  }
  return out
}

/** `metadata.token`, where Flagger's docs put a webhook's credentials. */
function metadataToken(body: FlaggerPayload | undefined): string | undefined {
  const t = body?.metadata?.token
  return typeof t === 'string' ? t : undefined
}

/** Query parameters with threshold names in one spelling, so a query `max-divergence` beats metadata `maxDivergence`. */
function normalised(query: Query): Query {
  return Object.fromEntries(Object.entries(query).map(([k, v]) => [thresholdKey(k), v]))
}

const GATE_PARAMS = new Set<string>([...THRESHOLD_KEYS, 'last', 'since', 'until'])

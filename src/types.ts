/**
 * Shapes shared by more than one pipeline stage. Anything used by a single
 * stage lives beside its code instead.
 */
import type { Operation } from 'fast-json-patch'

export type { Operation }

/** Which upstream a response came from. */
export type Side = 'primary' | 'candidate' | 'secondary'

export type HeaderMap = Record<string, string | string[] | undefined>

/** The client's request as the pipeline sees it: read once, replayed to every side. */
export interface RequestInfo {
  method: string
  /** Path and query exactly as the client sent them. */
  url: string
  /** Path only, without the query string. */
  path: string
  /** Raw query string without the leading `?` ('' when absent). */
  query: string
  /** Lower-cased header names, as node:http gives them. */
  headers: HeaderMap
}

/** A response read from one side, with the body captured up to a cap. */
export interface CapturedResponse {
  ok: true
  status: number
  headers: HeaderMap
  /** The first `captureCap` bytes of the body. */
  body: Buffer
  /** The full body length in bytes. */
  size: number
  /** True when `body` holds the whole body. */
  complete: boolean
  /** SHA-256 (hex) of the full body, set only when the body exceeded the capture cap (of the bytes read, when `cut`). */
  sha256?: string
  /**
   * Set when the mirror stopped reading this body before its end, and why
   * (src/mirror/capture-handler.ts): `size` is then the bytes read, not the
   * body's length. Such a body is never compared: it is `BODY_TOO_LARGE`.
   */
  cut?: string
  /** Time from request start to the end of the body, in milliseconds. */
  latencyMs: number
}

/** A side that failed to answer: refused, reset, timed out, unparsable. */
export interface FailedResponse {
  ok: false
  /** Stable code, e.g. `ECONNREFUSED`, `TIMEOUT`, `RESET`, `BAD_RESPONSE`. */
  code: string
  message: string
  latencyMs: number
}

export type SideResult = CapturedResponse | FailedResponse

/**
 * One difference between primary and candidate, as a typed union (Diffy's
 * `Difference` case classes). A compared exchange with no divergences is equal.
 */
export type Divergence =
  | { kind: 'status'; primary: number; candidate: number }
  /** `message` says what a format rule found ("format changed: uuid → absent"). */
  | { kind: 'header'; name: string; primary?: string; candidate?: string; message?: string }
  | { kind: 'body'; ops: Operation[] }
  | { kind: 'body'; text: string }
  | { kind: 'body'; sha256: { primary: string; candidate: string }; size: { primary: number; candidate: number } }
  | { kind: 'error'; code: string; message: string }

export type DivergenceKind = Divergence['kind']

/** Everything the pipeline knows about one mirrored request once both sides answered. */
export interface Exchange {
  /** The request id shared by primary and candidate (x-request-id). */
  id: string
  /** Epoch milliseconds when the client's request arrived. */
  at: number
  request: RequestInfo
  requestBody: Buffer | null
  /** Route used to group reports: a rule's route or path pattern, else the path with ids folded. */
  route: string
  primary: SideResult
  candidate: SideResult
  secondary?: SideResult
}

/** An exchange after comparison. */
export interface ComparedExchange extends Exchange {
  divergences: Divergence[]
  /** Names of the rules that matched, in application order. */
  rules: string[]
}

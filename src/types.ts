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
  /**
   * Set by the compare stage when the response had a content-encoding
   * (src/diff/decode-body.ts): `decoded: true` means `body`, `size` and
   * `complete` describe the decoded content; `decoded: false` means the
   * encoded bytes were dropped (body empty) and `problem` says why. A body
   * with a content-encoding header and no `encoding.decoded` is still encoded.
   */
  encoding?: BodyEncoding
}

/** Why a side's body could not be decoded. */
export type DecodeProblem =
  /** A coding this build cannot decode (zstd, compress …). */
  | 'unsupported'
  /** The encoded body is larger than the capture cap: only its first bytes were kept. */
  | 'encoded-too-large'
  /** The content decodes to more than the capture cap. */
  | 'decoded-too-large'
  /** Corrupt or truncated data for the coding it claims. */
  | 'failed'

/** How a captured response's content coding was handled (CapturedResponse.encoding). */
export interface BodyEncoding {
  /** The content-encoding as received, lower-cased: `br`, `gzip`, `gzip, br`. */
  name: string
  /** True: `body`, `size`, `complete` describe the decoded content. False: the body was dropped (see problem). */
  decoded: boolean
  /** Bytes of the encoded body as received. */
  encodedSize: number
  problem?: DecodeProblem
  /** When not decoded: why, in a sentence (`gzip body of 80 bytes could not be decoded: unexpected end of file`). */
  message?: string
  /** SHA-256 (hex) of the whole encoded body, kept when the body was dropped. */
  sha256?: string
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
  /**
   * Differences the noise stage could not judge: the exchange waited for
   * more evidence (a number's jitter bound, more secondary answers on the
   * route) and was released without it. Never equal: the exchange counts
   * as divergent, and the reports list it as undecided.
   */
  | { kind: 'undecided'; fields: UndecidedField[] }

/** One difference left undecided (Divergence `undecided`). */
export interface UndecidedField {
  /** JSON Pointer of the value (array indices kept), or `header:<name>`. */
  field: string
  /** RFC 6902 op (`replace`, `move` for order only), or `header`. */
  op: string
  /** What it waited for: `bound` (the field's jitter bound), `cold` (more secondary answers on the route). */
  awaited: 'bound' | 'cold'
  primary?: unknown
  candidate?: unknown
  /** Why there is no verdict, with the numbers behind it. */
  reason: string
}

export type DivergenceKind = Divergence['kind']

/**
 * How one stored exchange was compared: what the rules took out of the
 * comparison and what the noise stage classed as noise. The HTML report
 * dims and labels these fields in the example diff, so only what is
 * reported is highlighted. Body entries are JSON Pointer patterns as the
 * rules wrote them (`/items/*\/id`), or folded pointers for noise.
 */
export interface ComparedAs {
  /** `ignore.body` patterns. */
  ignore?: string[]
  /** `format.body` patterns. */
  format?: string[]
  /** `tolerance` patterns. */
  tolerance?: string[]
  /** `unordered` and `keyed` arrays. */
  unordered?: string[]
  /** Headers the rules ignore, or compare by format. */
  ignoreHeaders?: string[]
  formatHeaders?: string[]
  /** Fields classed as noise in this exchange: folded pointers, `header:<name>`, `status`. */
  noise?: string[]
}

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
